"""What evaluating a rule yields: an explanation, never a bare boolean."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from config.rule_specs import Severity

__all__ = ["Compliance", "Finding", "Outcome", "Result", "Severity", "State"]


class State(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"  # e.g. a gate whose criteria hold but approvals are missing
    SKIPPED = "skipped"  # the rule does not apply to this issue now
    ERROR = "error"  # the rule itself failed; the message says why


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a kind's check says about one issue; the engine adds who, which rule and how severe."""

    state: State
    message: str
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    fix: str = ""
    past_gate: bool = False  # a gate the issue went through without passing: a `revert` rule moves it back
    breach: bool = False  # a gate passed by decision whose criteria no longer hold: flagged, never reverted
    decision: str = ""  # a decision that stops the project (hold, kill, reject): shown as the PMO's, not a gap


@dataclass(frozen=True, slots=True)
class Result:
    rule_id: str
    kind: str
    issue_key: str
    project_key: str
    state: State
    severity: Severity
    enforcement: str
    message: str
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    fix: str = ""
    in_grace: bool = False  # failing, but inside the rule's grace period: recorded, not enforced
    past_gate: bool = False
    breach: bool = False
    decision: str = ""
    subject: str = ""  # what a portfolio rule speaks of when it is not one issue, e.g. "person:Li Na"

    @property
    def failing(self) -> bool:
        return self.state in (State.FAIL, State.PENDING)

    @property
    def identity(self) -> str:
        """The issue key, or the subject of a portfolio result: with the rule id, one result's identity."""
        return self.issue_key or self.subject


@dataclass(frozen=True, slots=True)
class Finding:
    """What a portfolio kind says about one subject: a person, a project, a program, or an issue."""

    subject: str
    outcome: Outcome
    issue_key: str = ""  # the issue the finding is about, or "" (a person's load is about no one issue)
    project_key: str = ""


@dataclass(frozen=True)
class Compliance:
    """A project's weighted pass rate and what is missing."""

    project_key: str
    score: float  # 0..100
    passed: int
    failed: int
    gaps: tuple[Result, ...] = field(default_factory=tuple)

"""Stage gates outside the result: the commands approvers write on a project record, who may decide, what the
decisions so far add up to, the decisions the audit keeps, and where a project goes back to. Pure.

    /pmo approve G2                          Go
    /pmo approve G2 conditional 2026-12-31 contract signed by then    Conditional go, with a deadline
    /pmo reject G2 the budget is not approved
    /pmo hold G2 waiting for the vendor
    /pmo recycle G2 rework the proposal
    /pmo kill G2 no business case

One command per line; anything else in the comment is ignored. Commands are case-insensitive; the gate id is
matched against the configured gates. The gate's result (criteria, approvals, decision) is the ``gate`` rule
kind's check, :mod:`rules.kinds.gate`, which reads its decisions from :func:`tally`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from config.models import Phase
from config.rule_specs import Gate, RuleSpec
from pmokit.records import Comment

from .facts import Facts

COMMAND = re.compile(
    r"^\s*/pmo\s+(?P<verb>approve|reject|hold|recycle|kill)\s+(?P<gate>[A-Za-z0-9_.-]+)(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE)
CONDITIONAL = re.compile(r"^\s*conditional(?:ly)?\s+(?P<date>\d{4}-\d{2}-\d{2})\s*(?P<conditions>.*)$",
                         re.IGNORECASE)

GO, CONDITIONAL_GO, HOLD, RECYCLE, KILL, REJECT = "go", "conditional-go", "hold", "recycle", "kill", "reject"
DECISION_OF_VERB = {"approve": GO, "reject": REJECT, "hold": HOLD, "recycle": RECYCLE, "kill": KILL}
STOPPING = (HOLD, RECYCLE, KILL)  # decisions that stop a project at the gate whatever else was said


@dataclass(frozen=True)
class GateCommand:
    gate: str
    decision: str  # go | conditional-go | reject | hold | recycle | kill
    author: str  # the user id (account id on Cloud, name on Data Center)
    at: datetime | None
    reason: str = ""
    conditions: str = ""
    deadline: date | None = None
    comment_id: str = ""
    author_name: str = ""
    author_email: str = ""

    @property
    def who(self) -> str:
        return self.author_name or self.author


def parse(comment: Comment) -> list[GateCommand]:
    """Every gate command in one comment."""
    author = comment.author.id if comment.author else ""
    out = []
    for match in COMMAND.finditer(comment.body or ""):
        verb, rest = match["verb"].lower(), match["rest"].strip()
        decision = DECISION_OF_VERB[verb]
        deadline, conditions = None, ""
        if verb == "approve":
            conditional = CONDITIONAL.match(rest)
            if conditional:
                decision, conditions = CONDITIONAL_GO, conditional["conditions"].strip()
                try:
                    deadline = date.fromisoformat(conditional["date"])
                except ValueError:
                    deadline = None
                rest = ""
        out.append(GateCommand(match["gate"].upper(), decision, author, comment.updated or comment.created,
                               reason=rest, conditions=conditions, deadline=deadline, comment_id=comment.id,
                               author_name=str(comment.author) if comment.author else author,
                               author_email=(comment.author.email or "") if comment.author else ""))
    return out


def commands(comments: Iterable[Comment], gate: str) -> list[GateCommand]:
    """The commands for ``gate`` in ``comments``, oldest first."""
    found = [c for comment in comments for c in parse(comment) if c.gate == gate.upper()]
    return sorted(found, key=lambda c: c.at or datetime.min)


def authorised(command: GateCommand, spec: Gate, groups: Mapping[str, frozenset[str]]) -> bool:
    """An approver named in `users` (by id, e-mail, its name part, or display name) or a member of `groups`."""
    idents = {command.author, command.author_email, command.author_email.split("@")[0], command.author_name} - {""}
    if idents & set(spec.approvers.users):
        return True
    return any(command.author in groups.get(group, frozenset()) for group in spec.approvers.groups)


def authorised_commands(spec: Gate, comments: Iterable[Comment],
                        groups: Mapping[str, frozenset[str]]) -> list[GateCommand]:
    """The commands for ``spec`` by its approvers, oldest first: the decisions that count."""
    return [c for c in commands(comments, spec.id) if authorised(c, spec, groups)]


@dataclass(frozen=True)
class Tally:
    """The decisions on one gate of one project so far."""

    valid: list[GateCommand]  # by authorised approvers, oldest first
    ignored: list[str] = field(default_factory=list)  # who wrote commands without being an approver
    approvals: dict[str, GateCommand] = field(default_factory=dict)  # approver -> their standing go
    expired: list[GateCommand] = field(default_factory=list)  # conditional goes past their deadline

    @property
    def final(self) -> GateCommand | None:
        return self.valid[-1] if self.valid else None

    def blocking(self, spec: Gate) -> GateCommand | None:
        """The last decision when it stops the project: hold, recycle, kill, or a reject that blocks."""
        final = self.final
        if final and (final.decision in STOPPING or (final.decision == REJECT and spec.approvers.rejection_blocks)):
            return final
        return None

    @property
    def conditional(self) -> bool:
        return any(c.decision == CONDITIONAL_GO for c in self.approvals.values())


def tally(spec: Gate, comments: Iterable[Comment], groups: Mapping[str, frozenset[str]], today: date) -> Tally:
    history = commands(comments, spec.id)
    valid = [c for c in history if authorised(c, spec, groups)]
    ignored = [c.who for c in history if c not in valid]
    approvals: dict[str, GateCommand] = {}
    for command in valid:
        if command.decision in (GO, CONDITIONAL_GO):
            approvals[command.author] = command
        elif command.decision == REJECT:
            approvals.pop(command.author, None)
    expired = [c for c in approvals.values() if c.decision == CONDITIONAL_GO and c.deadline and c.deadline < today]
    return Tally(valid, ignored, approvals, expired)


@dataclass(frozen=True)
class GateDecision:
    """One decision by an authorised approver, as the audit keeps it (once per comment and gate)."""

    issue_key: str
    project_key: str
    gate: str
    command: GateCommand

    @property
    def summary(self) -> str:
        command = self.command
        detail = command.reason or command.conditions
        return f"{self.gate} {command.decision} by {command.who}" + (f": {detail}" if detail else "")


def decisions(facts: Facts, gates: Sequence[Gate]) -> list[GateDecision]:
    """Every gate decision (/pmo approve|reject|hold|recycle|kill) by an authorised approver, on every issue."""
    found: list[GateDecision] = []
    for issue in facts.issues.values():
        comments = facts.comments.get(issue.id)
        if not comments:
            continue
        for gate in gates:
            found.extend(GateDecision(issue.key, issue.project_key, gate.id, command)
                         for command in authorised_commands(gate, comments, facts.groups))
    return found


def revert_targets(phases: Sequence[Phase], rules: Iterable[RuleSpec]) -> dict[str, str]:
    """For each gate: the first status of its first phase (where a project goes back to)."""
    by_id = {p.id: p for p in phases}
    return {rule.id: by_id[rule.from_phase].statuses[0] for rule in rules
            if isinstance(rule, Gate) and rule.from_phase in by_id and by_id[rule.from_phase].statuses}

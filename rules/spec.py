"""What every rule has in YAML, whatever its kind: id, scope, severity, enforcement, grace, fix."""

from __future__ import annotations

import functools
import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field

from config.models import Frozen, LocalText

from .expr import Expression, compile_expression
from .facts import Facts, IssueScope
from .results import Severity

DURATION = re.compile(r"^(\d+)([dhw])$")
Duration = Annotated[str, Field(pattern=DURATION.pattern, description="e.g. 3d, 12h, 2w")]


def parse_duration(text: str | None) -> timedelta | None:
    if not text:
        return None
    match = DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(**{{"d": "days", "h": "hours", "w": "weeks"}[match[2]]: int(match[1])})


@functools.lru_cache(maxsize=4096)
def compiled(text: str) -> Expression:
    """Expressions are parsed once per process (configuration checks have already reported errors)."""
    return compile_expression(text)


class RuleScope(Frozen):
    """Which issues a rule applies to. Empty lists mean "any"; all given conditions must hold."""

    projects: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    issue_types: list[str] = Field(default_factory=list)
    phases: list[str] = Field(default_factory=list, description="phase ids (see phases:)")
    statuses: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list, description="the issue carries at least one of them")
    where: str | None = Field(None, description="a condition, e.g. \"budget > 1000000\"")

    @functools.cached_property
    def type_set(self) -> frozenset[str]:
        return frozenset(t.casefold() for t in self.issue_types)

    @functools.cached_property
    def status_set(self) -> frozenset[str]:
        return frozenset(s.casefold() for s in self.statuses)

    def matches(self, scope: IssueScope, facts: Facts) -> bool:
        issue = scope.issue
        if self.projects and issue.project_key not in self.projects:
            return False
        if self.programs and facts.program_of.get(issue.project_key) not in self.programs:
            return False
        if self.issue_types and issue.issue_type.casefold() not in self.type_set:
            return False
        if self.phases and issue.phase not in self.phases:
            return False
        if self.statuses and issue.status.casefold() not in self.status_set:
            return False
        if self.labels and not set(self.labels) & set(issue.labels):
            return False
        return not self.where or bool(compiled(self.where)(scope))


class RuleSpec(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="unique; used in results and the audit")
    kind: str
    name: LocalText | None = None
    severity: Severity = Severity.ERROR
    enforcement: Literal["audit", "flag", "revert"] = Field(
        "flag", description="audit: record only; flag: comment and label; revert: move a gate's issue back")
    grace: Duration | None = Field(None, description="no enforcement until the issue is this old")
    scope: RuleScope = RuleScope()
    fix: LocalText | None = Field(None, description="the one-line fix shown to the team, instead of the kind's own")

    @property
    def grace_period(self) -> timedelta | None:
        return parse_duration(self.grace)

"""What every rule has in YAML, whatever its kind: id, scope, severity, enforcement, grace, fix."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from config.models import Frozen, LocalText
from pmokit.records import Issue

from .expr import Expression, compile_expression
from .facts import Facts, reader
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

    @property
    def type_set(self) -> frozenset[str]:
        return frozenset(t.casefold() for t in self.issue_types)

    @property
    def status_set(self) -> frozenset[str]:
        return frozenset(s.casefold() for s in self.statuses)

    def test(self, facts: Facts, now: datetime, *, statuses_indexed: bool = False) -> Callable[[Issue], bool] | None:
        """Everything but the issue types (and statuses, when candidates came from the status index) as one test
        on an issue; None when there is nothing to test. Built once per evaluation."""
        tests: list[Callable[[Issue], bool]] = []
        if self.projects:
            projects = frozenset(self.projects)
            tests.append(lambda i: i.project_key in projects)
        if self.programs:
            programs, program_of = frozenset(self.programs), facts.program_of
            tests.append(lambda i: program_of.get(i.project_key) in programs)
        if self.phases:
            phases = frozenset(self.phases)
            tests.append(lambda i: i.phase in phases)
        if self.statuses and not statuses_indexed:
            statuses = self.status_set
            tests.append(lambda i: i.status.casefold() in statuses)
        if self.labels:
            labels = frozenset(self.labels)
            tests.append(lambda i: not labels.isdisjoint(i.labels))
        if self.where:
            tests.append(condition_test(self.where, facts, now))
        return all_of(tests)


def condition_test(text: str, facts: Facts, now: datetime) -> Callable[[Issue], Any]:
    """A condition compiled to run on issues directly (fields read straight from the issue), once per evaluation.

    It returns the condition's value; callers take its truth (``filter``, ``if``)."""
    return compile_expression(text, field=lambda path: reader(path, facts, now), now=now).evaluate


def all_of(tests: list[Callable[[Issue], bool]]) -> Callable[[Issue], bool] | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda i: first(i) and second(i)
    return lambda i: all(t(i) for t in tests)


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

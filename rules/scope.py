"""Which issues a rule applies to (its ``scope:``), and its conditions, compiled to run on issues directly."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from config.conditions import Expression, compile_expression
from config.rule_specs import RuleScope
from pmokit.records import Issue

from .facts import Facts, reader

IssueTest = Callable[[Issue], bool]


@functools.lru_cache(maxsize=4096)
def compiled(text: str) -> Expression:
    """Expressions are parsed once per process (configuration checks have already reported errors)."""
    return compile_expression(text)


def scope_test(scope: RuleScope, facts: Facts, now: datetime, *, statuses_indexed: bool = False) -> IssueTest | None:
    """Everything but the issue types (and statuses, when candidates came from the status index) as one test
    on an issue; None when there is nothing to test. Built once per evaluation."""
    tests: list[IssueTest] = []
    if scope.projects:
        projects = frozenset(scope.projects)
        tests.append(lambda i: i.project_key in projects)
    if scope.programs:
        programs, program_of = frozenset(scope.programs), facts.program_of
        tests.append(lambda i: program_of.get(i.project_key) in programs)
    if scope.phases:
        phases = frozenset(scope.phases)
        tests.append(lambda i: i.phase in phases)
    if scope.statuses and not statuses_indexed:
        statuses = scope.status_set
        tests.append(lambda i: i.status.casefold() in statuses)
    if scope.labels:
        labels = frozenset(scope.labels)
        tests.append(lambda i: not labels.isdisjoint(i.labels))
    if scope.where:
        tests.append(condition_test(scope.where, facts, now))
    return all_of(tests)


def condition_test(text: str, facts: Facts, now: datetime) -> Callable[[Issue], Any]:
    """A condition compiled to run on issues directly (fields read straight from the issue), once per evaluation.

    It returns the condition's value; callers take its truth (``filter``, ``if``)."""
    return compile_expression(text, field=lambda path: reader(path, facts, now), now=now).evaluate


def all_of(tests: list[IssueTest]) -> IssueTest | None:
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda i: first(i) and second(i)
    return lambda i: all(t(i) for t in tests)

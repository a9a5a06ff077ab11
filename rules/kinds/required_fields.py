"""required_fields: the issue must carry a value in each listed field (logical or built-in names)."""

from __future__ import annotations

from collections.abc import Callable

from config.conditions import is_empty
from config.rule_specs import RequiredFields
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope, reader
from ..registry import CREATED, FIELD_CHANGE, SCHEDULED, Kind, register
from ..results import Outcome
from ._verdict import verdict


def check(spec: RequiredFields, scope: IssueScope, ctx: CheckContext) -> Outcome:
    missing = tuple(name for name in spec.fields if is_empty(scope.value(name)))
    present = tuple(f"{name} = {scope.value(name)}" for name in spec.fields if name not in missing)
    key = scope.issue.key
    return verdict(ctx, present, missing, ("all required fields are filled in", "必填字段均已填写"),
                   ("required fields are empty: {names}", "必填字段为空：{names}"),
                   (f"Fill in {{names}} on {key}.", f"请在 {key} 上填写：{{names}}。"))


def fast_pass(spec: RequiredFields, ctx: CheckContext) -> Callable[[Issue], bool]:
    readers = [reader(name, ctx.facts, ctx.now) for name in spec.fields]
    if len(readers) == 1:
        [read] = readers
        return lambda issue: (value := read(issue)) is not None and not is_empty(value)

    def passes(issue: Issue) -> bool:
        for read in readers:  # noqa: SIM110  (a plain loop: a generator costs more than the check)
            if is_empty(read(issue)):
                return False
        return True

    return passes


KIND = register(Kind("required_fields", RequiredFields, check, frozenset({CREATED, FIELD_CHANGE, SCHEDULED}),
                     "fields that must not be empty", fast_pass=fast_pass))

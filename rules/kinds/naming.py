"""naming: the summary (or key) must match a pattern, e.g. ``^\\[[A-Z]+\\] `` for a "[TEAM] " prefix."""

from __future__ import annotations

import re
from collections.abc import Callable

from config.rule_specs import Naming
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope, reader
from ..registry import CREATED, FIELD_CHANGE, Kind, register
from ..results import Outcome, State


def check(spec: Naming, scope: IssueScope, ctx: CheckContext) -> Outcome:
    value = scope.value(spec.field) or ""
    if re.search(spec.pattern, value):
        return Outcome(State.PASS, ctx.t(f"the {spec.field} follows the convention", "命名符合规范"), (value,))
    example = f" e.g. “{spec.example.get(ctx.language)}”" if spec.example else ""
    message = ctx.t(f"the {spec.field} does not match {spec.pattern}", f"命名不符合规范 {spec.pattern}")
    return Outcome(State.FAIL, message, (value,), (spec.field,),
                   ctx.t(f"Rename {scope.issue.key} to match {spec.pattern}{example}.",
                         f"请按规范 {spec.pattern} 重命名 {scope.issue.key}{example}。"))


def fast_pass(spec: Naming, ctx: CheckContext) -> Callable[[Issue], bool]:
    pattern, read = re.compile(spec.pattern), reader(spec.field, ctx.facts, ctx.now)
    return lambda issue: pattern.search(read(issue) or "") is not None


KIND = register(Kind("naming", Naming, check, frozenset({CREATED, FIELD_CHANGE}), "a pattern on summary or key",
                     fast_pass=fast_pass))

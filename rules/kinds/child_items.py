"""child_items: the issue must have children of given types (e.g. a risk register item, five milestones)."""

from __future__ import annotations

from collections.abc import Callable

from config.rule_specs import ChildItems, ChildRequirement
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope
from ..registry import CREATED, FIELD_CHANGE, LINK, SCHEDULED, Kind, register
from ..results import Outcome
from ..scope import condition_test
from ._verdict import verdict


def _selector(need: ChildRequirement, ctx: CheckContext) -> Callable[[list[Issue]], list[Issue]]:
    """The children that count towards ``need``, as a function of an issue's children."""
    wanted_type, statuses = need.type.casefold(), {s.casefold() for s in need.statuses}
    condition = condition_test(need.where, ctx.facts, ctx.now) if need.where else None
    return lambda kids: [k for k in kids if k.issue_type.casefold() == wanted_type
                         and (not statuses or k.status.casefold() in statuses)
                         and (condition is None or condition(k))]


def check(spec: ChildItems, scope: IssueScope, ctx: CheckContext) -> Outcome:
    kids = ctx.facts.children_of(scope.issue)
    evidence, missing = [], []
    for need in spec.children:
        matching = _selector(need, ctx)(kids)
        label = need.name.get(ctx.language) if need.name else need.type
        evidence.append(f"{label}: {len(matching)} ({', '.join(k.key for k in matching[:5])})" if matching
                        else f"{label}: 0")
        if len(matching) < need.min:
            missing.append(f"{label} ×{need.min - len(matching)}")
    key = scope.issue.key
    return verdict(ctx, evidence, missing, ("every required child item exists", "所需子项齐全"),
                   ("missing child items: {names}", "缺少子项：{names}"),
                   (f"Create {{names}} under {key}.", f"请在 {key} 下创建：{{names}}。"))


def fast_pass(spec: ChildItems, ctx: CheckContext) -> Callable[[Issue], bool]:
    needs = [(_selector(need, ctx), need.min) for need in spec.children]

    def passes(issue: Issue) -> bool:
        kids = ctx.facts.children_of(issue)
        return all(len(select(kids)) >= least for select, least in needs)

    return passes


KIND = register(Kind("child_items", ChildItems, check, frozenset({CREATED, FIELD_CHANGE, LINK, SCHEDULED}),
                     "child items an issue must have", fast_pass=fast_pass))

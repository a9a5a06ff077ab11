"""person_load: no one carries more work across all projects than their capacity.

Load is counted over the issues in the rule's scope (usually ``where: not done``) that have an assignee:
the number of issues, their story points, or the sum of a logical field such as remaining days.
"""

from __future__ import annotations

from collections import defaultdict

from config.rule_specs import PersonLoad
from pmokit.records import Issue

from ..context import CheckContext
from ..registry import FIELD_CHANGE, SCHEDULED, TRANSITION, Kind, register
from ..results import Finding, Outcome, State
from ._portfolio import number, person, project_view


def _amount(spec: PersonLoad, issue: Issue) -> float:
    if spec.measure == "issues":
        return 1.0
    value = issue.story_points if spec.measure == "story_points" else issue.custom.get(spec.measure)
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def portfolio(spec: PersonLoad, issues: list[Issue], ctx: CheckContext) -> list[Finding]:
    load: defaultdict[str, float] = defaultdict(float)
    by_project: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    ids: dict[str, str] = {}
    for issue in issues:
        name = person(issue)
        if name is None:
            continue
        amount = _amount(spec, issue)
        load[name] += amount
        by_project[name][issue.project_key] += amount
        ids[name] = issue.assignee.id if issue.assignee else name
    unit = {"issues": ctx.t("issues", "项"), "story_points": ctx.t("story points", "故事点")}.get(spec.measure,
                                                                                              spec.measure)
    findings = []
    for name in sorted(load):
        capacity = spec.capacities.get(name, spec.capacities.get(ids[name], spec.capacity))
        spread = tuple(f"{project}: {number(amount)}" for project, amount in sorted(by_project[name].items()))
        carried = number(load[name])
        if load[name] <= capacity:
            outcome = Outcome(State.PASS, ctx.t(f"{name} carries {carried} {unit} (capacity {number(capacity)})",
                                                f"{name} 负载 {carried} {unit}（容量 {number(capacity)}）"), spread)
        else:
            over = number(load[name] - capacity)
            outcome = Outcome(
                State.FAIL,
                ctx.t(f"{name} carries {carried} {unit} across {len(spread)} project(s), {over} over the capacity "
                      f"of {number(capacity)}",
                      f"{name} 在 {len(spread)} 个项目中负载 {carried} {unit}，超出容量 {number(capacity)} 达 {over}"),
                spread, (ctx.t(f"{over} {unit} over capacity", f"超出容量 {over} {unit}"),),
                ctx.t(f"Move {over} {unit} of {name}'s work to someone with room, or agree a higher capacity.",
                      f"请将 {name} 的 {over} {unit} 工作转给有余力的同事，或调整其容量。"))
        findings.append(Finding(f"person:{name}", outcome))
    return findings


KIND = register(Kind("person_load", PersonLoad, project_view, frozenset({FIELD_CHANGE, TRANSITION, SCHEDULED}),
                     "a person's load across all projects within their capacity", portfolio=portfolio))

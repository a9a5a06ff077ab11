"""person_load: no one carries more work across all projects than their capacity.

Load is counted over the issues in the rule's scope (usually ``where: not done``) that have an assignee:
the number of issues, their story points, or the sum of a logical field such as remaining days. With a
``capacity`` of its own, a person's whole load is held against it. Without, each week's load (by due date, over
``reports.resources.weeks``) is held against ``reports.resources``: the very numbers the resources page shows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from config.rule_specs import PersonLoad
from pmokit.records import Issue

from ..context import CheckContext
from ..registry import FIELD_CHANGE, SCHEDULED, TRANSITION, Kind, register
from ..results import Finding, Outcome, State
from ._load import capacity_of, load_by_week
from ._portfolio import number, person, project_view


def _measure(spec: PersonLoad, ctx: CheckContext) -> str:
    return spec.measure or (ctx.standard.resources.measure if spec.capacity is None else "issues")


def _amount(measure: str, issue: Issue, weekly: bool) -> float:
    if measure == "issues":
        return 1.0
    value = issue.story_points if measure == "story_points" else issue.custom.get(measure)
    try:
        return float(value) if value is not None else (1.0 if weekly else 0.0)  # as the page counts an item
    except (TypeError, ValueError):
        return 0.0


def _unit(measure: str, ctx: CheckContext) -> str:
    return {"issues": ctx.t("issues", "项"), "story_points": ctx.t("story points", "故事点")}.get(measure, measure)


def portfolio(spec: PersonLoad, issues: list[Issue], ctx: CheckContext) -> list[Finding]:
    if spec.capacity is None:
        return _weekly(spec, issues, ctx)
    return _whole(spec, spec.capacity, issues, ctx)


def _weekly(spec: PersonLoad, issues: list[Issue], ctx: CheckContext) -> list[Finding]:
    """Each person's heaviest week of the window against their weekly capacity (reports.resources)."""
    resources = ctx.standard.resources
    measure = _measure(spec, ctx)
    unit = _unit(measure, ctx)
    ids: dict[str, str] = {}
    items = []
    for issue in issues:
        name = person(issue)
        if name is None or issue.due is None or issue.is_done:
            continue
        ids[name] = issue.assignee.id if issue.assignee else name
        items.append((name, issue.project_key, issue.due, _amount(measure, issue, weekly=True)))
    weeks = load_by_week(items, ctx.now.date(), resources.weeks)
    capacities = {**resources.capacities, **spec.capacities}
    worst: dict[str, tuple[float, float, date, set[str]]] = {}
    for (name, week), entry in sorted(weeks.items()):
        capacity = capacity_of(name, ids.get(name), capacities, resources.capacity_per_week)
        ratio = entry.load / capacity
        if name not in worst or ratio > worst[name][0] / worst[name][1]:
            worst[name] = (entry.load, capacity, week, entry.projects)
    findings = []
    for name in sorted(worst):
        load, capacity, week, projects = worst[name]
        spread = tuple(sorted(projects))
        heaviest = f"{load:g} {unit}"
        if load <= capacity:
            outcome = Outcome(State.PASS, ctx.t(
                f"{name} carries at most {heaviest} a week (capacity {number(capacity)} a week)",
                f"{name} 每周负载最多 {heaviest}（每周容量 {number(capacity)}）"), spread)
        else:
            over = number(load - capacity)
            outcome = Outcome(
                State.FAIL,
                ctx.t(f"{name} carries {heaviest} in the week of {week}, {over} over the weekly capacity of "
                      f"{number(capacity)}",
                      f"{name} 在 {week} 这一周负载 {heaviest}，超出每周容量 {number(capacity)} 达 {over}"),
                spread, (ctx.t(f"{over} {unit} over capacity in the week of {week}",
                               f"{week} 这一周超出容量 {over} {unit}"),),
                ctx.t(f"Move {over} {unit} of {name}'s work due that week to someone with room, or to a later "
                      f"week, or agree a higher capacity (reports.resources).",
                      f"请将 {name} 该周到期的 {over} {unit} 工作转给有余力的同事或推迟，"
                      f"或调整其容量（reports.resources）。"))
        findings.append(Finding(f"person:{name}", outcome))
    return findings


def _whole(spec: PersonLoad, default: float, issues: list[Issue], ctx: CheckContext) -> list[Finding]:
    measure = _measure(spec, ctx)
    load: defaultdict[str, float] = defaultdict(float)
    by_project: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    ids: dict[str, str] = {}
    for issue in issues:
        name = person(issue)
        if name is None:
            continue
        amount = _amount(measure, issue, weekly=False)
        load[name] += amount
        by_project[name][issue.project_key] += amount
        ids[name] = issue.assignee.id if issue.assignee else name
    unit = _unit(measure, ctx)
    findings = []
    for name in sorted(load):
        capacity = capacity_of(name, ids[name], spec.capacities, default)
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
                     "a person's load across all projects within their capacity", portfolio=portfolio,
                     # by week, a done item is no load; held whole against a capacity, the scope decides
                     counts_open_only=lambda spec: spec.capacity is None))

"""wip_limit: no more work in progress than a limit, per project, person, program or the whole portfolio.

The issues counted are those in the rule's scope that are in progress: in a status of the "In Progress"
category, or, when the scope names statuses, in those statuses.
"""

from __future__ import annotations

from collections import defaultdict

from config.rule_specs import WipLimit
from pmokit.records import Issue, StatusCategory

from ..context import CheckContext
from ..registry import FIELD_CHANGE, SCHEDULED, TRANSITION, Kind, register
from ..results import Finding, Outcome, State
from ._portfolio import person, project_view


def _group(spec: WipLimit, issue: Issue, ctx: CheckContext) -> str | None:
    match spec.per:
        case "project":
            return issue.project_key
        case "person":
            return person(issue)
        case "program":
            return ctx.facts.program_of.get(issue.project_key)
    return "portfolio"


def portfolio(spec: WipLimit, issues: list[Issue], ctx: CheckContext) -> list[Finding]:
    in_progress = issues if spec.scope.statuses else [i for i in issues
                                                      if i.status_category is StatusCategory.IN_PROGRESS]
    groups: defaultdict[str, list[Issue]] = defaultdict(list)
    for issue in in_progress:
        group = _group(spec, issue, ctx)
        if group is not None:
            groups[group].append(issue)
    findings = []
    for group, members in sorted(groups.items()):
        limit = spec.limits.get(group, spec.limit)
        keys = tuple(i.key for i in members)
        evidence = (ctx.t(f"in progress: {', '.join(keys[:10])}" + (" …" if len(keys) > 10 else ""),
                          f"进行中：{', '.join(keys[:10])}" + (" …" if len(keys) > 10 else "")),)
        if len(members) <= limit:
            outcome = Outcome(State.PASS, ctx.t(f"{group}: {len(members)} in progress (limit {limit})",
                                                f"{group}：进行中 {len(members)} 项（上限 {limit}）"), evidence)
        else:
            over = len(members) - limit
            message = ctx.t(f"{group}: {len(members)} in progress, {over} over the limit of {limit}",
                            f"{group}：进行中 {len(members)} 项，超出上限 {limit} 达 {over} 项")
            missing = (ctx.t(f"{over} over the WIP limit", f"超出在制品上限 {over} 项"),)
            outcome = Outcome(State.FAIL, message, evidence, missing,
                              ctx.t(f"Finish {over} item(s) before starting new work in {group}.",
                                    f"请先完成 {over} 项工作，再在 {group} 中开始新工作。"))
        record = ctx.facts.record_of(group, ctx.standard.record_type) if spec.per == "project" else None
        findings.append(Finding(f"{spec.per}:{group}", outcome, record.key if record else "",
                                group if spec.per == "project" else ""))
    return findings


KIND = register(Kind("wip_limit", WipLimit, project_view, frozenset({FIELD_CHANGE, TRANSITION, SCHEDULED}),
                     "work in progress within a limit per project, person or program", portfolio=portfolio,
                     # in progress is never done, unless the scope names statuses (which may be done ones)
                     counts_open_only=lambda spec: not spec.scope.statuses))

"""A program's page: its projects with their colour and why, progress, budget and compliance."""

from __future__ import annotations

from ..rollups.rag import colour_counts
from .cells import number, pct
from .context import PageContext
from .sections import Heading, Items, Table, Text, render


def program_page(ctx: PageContext, program: str, projects: list[str], manager: str | None) -> str:
    t, p = ctx.t, ctx.inputs.portfolio
    colour_of = dict(zip(p.rag["project"], p.rag["rag"], strict=True))
    reasons_of = dict(zip(p.rag["project"], p.rag["reasons"], strict=True))
    progress = p.progress["project"].set_index("project")
    money = p.budget.set_index("project")
    scores = p.compliance.set_index("project") if not p.compliance.empty else None
    mine = sorted((project for project in projects if project in colour_of),
                  key=lambda k: (ctx.name(k).casefold(), k))
    counts = colour_counts(colour_of[project] for project in mine)
    sections: list = [Text(f"{t('Manager', '负责人')}: {manager or '—'} · {t('Projects', '项目')}: {len(mine)}"),
                      Text(ctx.colour_counts(counts))]
    totals = p.programs.loc[program] if program in p.programs.index else None
    sections.append(Table([t("Progress (points)", "进度（按点数）"), t("Budget", "预算"), t("Actual cost", "实际成本"),
                           t("Forecast", "预测成本"), t("Compliance", "合规")], [[
        *([pct(totals["pct_points"]), number(totals["budget"]), number(totals["actual_cost"]),
           number(totals["forecast_cost"])] if totals is not None else ["—"] * 4),
        pct(totals["score"] if totals is not None else None)]]))
    earned = p.program_earned.set_index("program") if not p.program_earned.empty else None
    if earned is not None and program in earned.index:
        sections += [Heading(t("Earned value", "挣值分析")), ctx.earned_value_table(earned.loc[program])]
    sections.append(Heading(t("Projects", "项目")))
    rows = []
    for project in mine:
        rows.append([ctx.project(project), ctx.issue(ctx.inputs.records.get(project)),
                     ctx.colour(colour_of[project]),
                     Items(list(reasons_of[project])),
                     pct(progress.at[project, "pct_points"]) if project in progress.index else "—",
                     pct(money.at[project, "pct_spent"]) if project in money.index else "—",
                     pct(scores.at[project, "score"]) if scores is not None and project in scores.index else "—"])
    sections.append(Table([t("Project", "项目"), t("Record", "立项记录"), t("Status", "状态"), t("Why", "原因"),
                           t("Progress", "进度"), t("Budget spent", "预算使用"), t("Compliance", "合规")],
                          rows))
    return render(sections)



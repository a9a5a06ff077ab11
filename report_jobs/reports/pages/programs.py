"""A program's page: its projects with their colour and why, progress, budget and compliance."""

from __future__ import annotations

from collections import Counter

from .cells import number, pct
from .context import PageContext
from .sections import Heading, Items, Table, Text, render


def program_page(ctx: PageContext, program: str, projects: list[str], manager: str | None) -> str:
    t, p = ctx.t, ctx.inputs.portfolio
    rag = p.rag.set_index("project")
    colour_of = dict(zip(p.rag["project"], p.rag["rag"], strict=True))
    reasons_of = dict(zip(p.rag["project"], p.rag["reasons"], strict=True))
    progress = p.progress["project"].set_index("project")
    money = p.budget.set_index("project")
    scores = p.compliance.set_index("project") if not p.compliance.empty else None
    mine = [project for project in projects if project in rag.index]
    counts = Counter(colour_of[project] for project in mine)
    sections: list = [Text(f"{t('Manager', '负责人')}: {manager or '—'} · {t('Projects', '项目')}: {len(mine)}"),
                      Text(" ".join(str(ctx.colour(c)) + f" {counts[c]}" for c in ("red", "amber", "green")
                                    if counts[c]))]
    totals = p.programs.loc[program] if program in p.programs.index else None
    sections.append(Table([t("Progress (points)", "进度（按点数）"), t("Budget", "预算"), t("Actual cost", "实际成本"),
                           t("Forecast", "预测成本"), t("Compliance", "合规")], [[
        *([pct(totals["pct_points"]), number(totals["budget"]), number(totals["actual_cost"]),
           number(totals["forecast_cost"])] if totals is not None else ["—"] * 4),
        pct(_program_score(ctx, program))]]))
    sections.append(Heading(t("Projects", "项目")))
    rows = []
    for project in mine:
        rows.append([ctx.project(project), ctx.inputs.names.get(project, ""), ctx.colour(colour_of[project]),
                     Items(list(reasons_of[project])),
                     pct(progress.at[project, "pct_points"]) if project in progress.index else "—",
                     pct(money.at[project, "pct_spent"]) if project in money.index else "—",
                     pct(scores.at[project, "score"]) if scores is not None and project in scores.index else "—"])
    sections.append(Table([t("Project", "项目"), "", "RAG", t("Why", "原因"), t("Progress", "进度"),
                           t("Budget spent", "预算使用"), t("Compliance", "合规")],
                          rows))
    return render(sections)


def _program_score(ctx: PageContext, program: str) -> float | None:
    programs = ctx.inputs.programs
    if programs.empty:
        return None
    rows = programs[programs["program"] == program]
    return float(rows["score"].iloc[0]) if len(rows) else None


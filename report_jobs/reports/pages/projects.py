"""A project's page: its colour and why, progress and burn-up, milestones, money, risks, gates, compliance."""

from __future__ import annotations

import pandas as pd

from connector.publisher import AttachmentSpec

from ..charts import burnup_chart
from .cells import day, number, pct, signed_pct, text
from .context import PageContext
from .sections import Chart, Expand, Heading, Items, Table, Text, render
from .storage import status


def _row(frame: pd.DataFrame, project: str) -> pd.Series | None:
    if frame.empty or "project" not in frame.columns:
        return None
    rows = frame[frame["project"].astype(str) == project]
    return rows.iloc[0] if len(rows) else None


def project_page(ctx: PageContext, project: str) -> tuple[str, tuple[AttachmentSpec, ...]]:
    """Storage format and attachments of ``project``'s page."""
    t, p = ctx.t, ctx.inputs.portfolio
    sections: list = []
    attachments: list[AttachmentSpec] = []
    rag = _row(p.rag, project)
    if rag is not None:
        sections += [Heading(t("Status")), Text(ctx.colour(rag["rag"])), Items(list(rag["reasons"]))]
    record = ctx.inputs.records.get(project)
    program = _row(p.budget, project)
    sections.append(Table([t("Record"), t("Program"), t("Manager")], [[
        ctx.issue(record), ctx.program(str(program["program"])) if program is not None else "—",
        text(_manager(p.frame, project, ctx.inputs))]]))

    progress = _row(p.progress["project"], project)
    sections.append(Heading(t("Progress")))
    if progress is not None:
        sections.append(Table([t("Issues"), t("Done"), "%", t("Points"), t("Done points"), "%"], [[
            number(progress["issues"]), number(progress["done"]), pct(progress["pct_done"]),
            number(progress["points"]), number(progress["done_points"]), pct(progress["pct_points"])]]))
    series = ctx.inputs.burnup[ctx.inputs.burnup["project"] == project]
    if ctx.charts and not series.empty:
        filename = f"burnup-{project}.png"
        attachments.append(AttachmentSpec(filename, burnup_chart(series, ctx.inputs.names.get(project, project),
                                                                 ctx.language)))
        sections.append(Chart(filename))

    sections.append(Heading(t("Milestones")))
    stones = p.frame[(p.frame["project"] == project) & (p.frame["type"] == "Milestone")].sort_values("due")
    summary = _row(p.milestones, project)
    if summary is not None:
        sections.append(Text(f"{t('Complete')}: {pct(summary['pct_complete'])} · {t('Milestones overdue')}: "
                             f"{number(summary['overdue'])} · {t('Slipped days')}: {number(summary['max_slip_days'])}"))
    sections.append(Table([t("Key"), t("Status"), t("Due")], [
        [ctx.issue(row.key), str(row.status), day(row.due)] for row in stones.itertuples()]))

    money, schedule, receivable = _row(p.budget, project), _row(p.schedule, project), _row(p.receivables, project)
    sections.append(Heading(f"{t('Budget')} · {t('Schedule')}"))
    if money is not None:
        sections.append(Table([t("Budget"), t("Actual cost"), t("Forecast"), t("Budget spent"),
                               t("Forecast variance")], [[
            number(money["budget"]), number(money["actual_cost"]), number(money["forecast_cost"]),
            pct(money["pct_spent"]), signed_pct(money["forecast_variance_pct"])]]))
    if schedule is not None:
        sections.append(Table([t("Baseline"), t("Time elapsed"), t("Work done"), t("Variance")], [[
            f"{day(schedule['baseline_start'])} → {day(schedule['baseline_end'])}", pct(schedule["pct_time"]),
            pct(schedule["pct_done"]), signed_pct(schedule["variance_pct"])]]))
    if receivable is not None:
        sections += [Heading(t("Receivables"), 3), Table(
            [t("Total"), t("Invoiced"), t("Paid"), t("Not invoiced"), t("Overdue")],
            [[number(receivable[c]) for c in ("total", "invoiced", "paid", "not_invoiced", "overdue")]])]

    risks = p.risks[p.risks["project"] == project].sort_values("score", ascending=False)
    sections.append(Heading(t("Open risks")))
    sections.append(Table([t("Key"), t("Status"), t("Probability"), t("Impact"), t("Score"), t("Owner")], [
        [ctx.issue(r.key), str(r.status), number(r.probability), number(r.impact), number(r.score), text(r.assignee)]
        for r in risks.itertuples()]) if len(risks) else Text(t("No open risks.")))

    if project in p.gates.index:
        gates = [(gate, state) for gate, state in p.gates.loc[project].items() if isinstance(state, str)]
        sections += [Heading(t("Gates")), Table([t("Gate"), t("State")],
                                                [[gate, status(state, state)] for gate, state in gates])]
    score = _row(p.compliance, project)
    if score is not None:
        sections += [Heading(t("Compliance")), Text(f"{pct(score['score'])} · {t('Gaps')}: {number(score['gaps'])}")]
        if score["top_gaps"]:
            sections.append(Expand(t("Gaps"), [Items(list(score["top_gaps"]))]))
    return render(sections), tuple(attachments)


def _manager(frame: pd.DataFrame, project: str, inputs) -> object:
    record = inputs.records.get(project)
    rows = frame[frame["key"] == record] if record else frame.iloc[0:0]
    return rows["assignee"].iloc[0] if len(rows) else None

"""The trends page: each project's colour per reporting period, what changed since the last period, and the
project managers' KPIs."""

from __future__ import annotations

from connector.publisher import AttachmentSpec

from ..charts import rag_history_chart
from .cells import number, pct
from .context import PageContext
from .sections import Chart, Heading, Items, Table, Text, render

HISTORY = "rag-history.png"


def history_chart(ctx: PageContext) -> AttachmentSpec | None:
    history = ctx.inputs.history
    return AttachmentSpec(HISTORY, rag_history_chart(history, ctx.language)) if ctx.charts and not history.empty \
        else None


def trends_page(ctx: PageContext) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, inputs = ctx.t, ctx.inputs
    sections: list = [Heading(t("Status by period"))]
    chart = history_chart(ctx)
    if chart is not None:
        sections.append(Chart(HISTORY))
    history = inputs.history
    if not history.empty:
        periods = list(history.columns)[-8:]
        sections.append(Table([t("Project"), *periods], [
            [ctx.project(str(project)), *(ctx.colour(v) if isinstance(v, str) else "—" for v in row[periods])]
            for project, row in history.iterrows()]))
    sections.append(Heading(t("What changed since the last period")))
    if inputs.periods < 2:
        sections.append(Text(t("History starts with this period.")))
    elif inputs.changes.empty:
        sections.append(Text(t("No project changed colour since the last period.")))
    else:
        sections.append(Table([t("Project"), t("Was"), t("Now"), t("Changed")], [
            [ctx.project(str(c.project)), ctx.colour(c.was) if isinstance(c.was, str) else "—", ctx.colour(c.now),
             Items([t(x) for x in c.changed])] for c in inputs.changes.itertuples()]))
    kpis = inputs.kpis
    sections.append(Heading(t("Project managers")))
    sections.append(Table(
        [t("Manager"), t("Milestones done"), t("On time"), t("Gates decided"), t("Passed at the first decision")],
        [[str(k.manager), number(k.done), pct(k.on_time_pct), number(k.gates), pct(k.first_pass_pct)]
         for k in kpis.itertuples()]))
    return render(sections), (chart,) if chart is not None else ()

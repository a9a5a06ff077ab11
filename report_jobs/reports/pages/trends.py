"""The trends page: each project's colour per reporting period, what changed since the last period, and the
project managers' KPIs."""

from __future__ import annotations

from connector.publisher import AttachmentSpec

from ..charts import rag_history_chart
from ..rollups.history import NEW
from .cells import number, pct
from .cells import signed_number as signed
from .context import PageContext
from .sections import Chart, Heading, Items, Table, Text, render

HISTORY = "rag-history.png"


def history_chart(ctx: PageContext) -> AttachmentSpec | None:
    history = ctx.inputs.history
    return AttachmentSpec(HISTORY, rag_history_chart(history, ctx.language)) if ctx.charts and not history.empty \
        else None


def trends_page(ctx: PageContext) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, inputs = ctx.t, ctx.inputs
    sections: list = [Heading(t("Status by period", "各周期状态"))]
    chart = history_chart(ctx)
    if chart is not None:
        sections.append(Chart(HISTORY))
    history = inputs.history
    if not history.empty:
        periods = list(history.columns)[-8:]
        sections.append(Table([t("Project", "项目"), *periods], [
            [ctx.project(str(project)), *(ctx.colour(v) if isinstance(v, str) else "—" for v in row[periods])]
            for project, row in history.iterrows()]))
    sections.append(Heading(t("What changed since the last period", "与上一周期相比的变化")))
    if inputs.periods < 2:
        sections.append(Text(t("History starts with this period.", "历史记录从本周期开始。")))
    elif inputs.changes.empty:
        sections.append(Text(t("No project changed colour since the last period.",
                               "与上一周期相比，没有项目的状态发生变化。")))
    else:
        sections.append(Table([t("Project", "项目"), t("Was", "之前"), t("Now", "现在"), t("Changed", "变化")], [
            [ctx.project(str(c["project"])), ctx.colour(c["was"]) if isinstance(c["was"], str) else "—",
             ctx.colour(str(c["now"])), Items([t(NEW, "本周期新增") if x == NEW else x for x in c["changed"]])]
            for c in inputs.changes.to_dict("records")]))
    kpis = inputs.kpis
    sections.append(Heading(t("Project managers", "项目经理")))
    sections.append(Table(
        [t("Manager", "负责人"), t("Gates reviewed", "已评审阶段门"), t("Passed at the first review", "首次评审通过"),
         t("Milestones done", "已完成里程碑"), t("On time", "按期"), t("Average slippage (days)", "平均延期（天）"),
         t("Forecast accuracy", "预测准确度"), t("Compliance", "合规"), t("Since last period", "较上周期")],
        [[str(k.manager), number(k.gates), pct(k.first_pass_pct), number(k.done), pct(k.on_time_pct),
          number(k.avg_slip_days, 1), pct(k.forecast_accuracy_pct), pct(k.compliance),
          signed(k.compliance_change)] for k in kpis.itertuples()]))
    sections.append(Text(t(
        "Passed at the first review: of the gates a manager's projects have been reviewed at (passed, or with a "
        "decision recorded), those passed with no decision against them. Forecast accuracy: on closed "
        "projects, 100 − |forecast − actual| ÷ actual. Slippage: how far milestones' due dates moved, from Jira's "
        "history.",
        "首次评审通过：已评审（已通过或已有决策）的阶段门中，没有任何否决即通过的比例。"
        "预测准确度：已收尾项目的 100 − |预测 − 实际| ÷ 实际。延期：里程碑到期日的移动天数，来自 Jira 的历史记录。")))
    return render(sections), (chart,) if chart is not None else ()

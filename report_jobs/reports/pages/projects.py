"""A project's page: its colour and why, progress and burn-up, milestones, money, risks, gates, compliance."""

from __future__ import annotations

import pandas as pd

from connector.publisher import AttachmentSpec

from ..chart_jobs import chart
from ..inputs import ReportInputs
from . import cells
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
        sections += [Heading(t("Status", "状态")), Text(ctx.colour(rag["rag"])), Items(list(rag["reasons"]))]
    record = ctx.inputs.records.get(project)
    program = _row(p.budget, project)
    sections.append(Table([t("Record", "立项记录"), t("Program", "项目群"), t("Manager", "负责人")], [[
        ctx.issue(record), ctx.program(str(program["program"])) if program is not None else "—",
        text(_manager(p.frame, project, ctx.inputs))]]))

    progress = _row(p.progress["project"], project)
    sections.append(Heading(t("Progress", "进度")))
    if progress is not None:
        sections.append(Table([t("Issues", "事项"), t("Done", "已完成"), "%", t("Points", "点数"),
                               t("Done points", "已完成点数"),
                               "%"], [[
            number(progress["issues"]), number(progress["done"]), pct(progress["pct_done"]),
            number(progress["points"]), number(progress["done_points"]), pct(progress["pct_points"])]]))
    series = ctx.inputs.burnup[ctx.inputs.burnup["project"] == project]
    if ctx.charts and not series.empty:
        filename = f"burnup-{project}.png"
        attachments.append(chart(filename, "burnup", series, ctx.name(project), ctx.language))
        sections.append(Chart(filename))
    sections += _epics(ctx, project)

    sections.append(Heading(t("Milestones", "里程碑")))
    stones = p.frame[(p.frame["project"] == project) & (p.frame["type"] == "Milestone")].sort_values("due")
    summary = _row(p.milestones, project)
    if summary is not None:
        sections.append(Text(f"{t('Complete', '完成率')}: {pct(summary['pct_complete'])} · "
                             f"{t('Milestones overdue', '逾期里程碑')}: {number(summary['overdue'])} · "
                             f"{t('Slipped days', '延期天数')}: {number(summary['max_slip_days'])}"))
    sections.append(Table([t("Key", "编号"), t("Milestone", "里程碑"), t("Status", "状态"), t("Due", "到期")], [
        [ctx.issue(row.key), text(row.summary), ctx.status_name(row.status), day(row.due)]
        for row in stones.itertuples()]))

    money, schedule, receivable = _row(p.budget, project), _row(p.schedule, project), _row(p.receivables, project)
    sections.append(Heading(f"{t('Budget', '预算')} · {t('Schedule', '进度计划')}"))
    if money is not None:
        sections.append(Table([t("Budget", "预算"), t("Actual cost", "实际成本"), t("Forecast", "预测成本"),
                               t("Budget spent", "预算使用"),
                               t("Forecast variance", "预测偏差")], [[
            number(money["budget"]), number(money["actual_cost"]), number(money["forecast_cost"]),
            pct(money["pct_spent"]), signed_pct(money["forecast_variance_pct"])]]))
    if schedule is not None:
        sections.append(Table([t("Baseline", "基线"), t("Time elapsed", "时间进度"), t("Work done", "完成工作"),
                               t("Variance", "偏差")], [[
            f"{day(schedule['baseline_start'])} → {day(schedule['baseline_end'])}", pct(schedule["pct_time"]),
            pct(schedule["pct_done"]), signed_pct(schedule["variance_pct"])]]))
    earned = _row(p.earned, project)
    if earned is not None and not cells.missing(earned["bac"]):
        sections += [Heading(t("Earned value", "挣值分析"), 3), ctx.earned_value_table(earned),
                     Text(t("PV: the budget × the share of the baseline window elapsed; EV: the budget × the share "
                            "of the work done; CPI = EV ÷ AC, SPI = EV ÷ PV (below 1: behind); EAC = budget ÷ CPI.",
                            "PV：预算 × 基线工期已过比例；EV：预算 × 已完成工作比例；CPI = EV ÷ AC，SPI = EV ÷ PV"
                            "（小于 1 即落后）；EAC = 预算 ÷ CPI。"))]
    sections += _cost_over_time(ctx, project, attachments)
    if receivable is not None:
        sections += [Heading(t("Receivables", "应收款"), 3), Table(
            [t("Total", "总额"), t("Invoiced", "已开票"), t("Paid", "已收款"), t("Not invoiced", "未开票"),
             t("Overdue", "逾期")],
            [[number(receivable[c]) for c in ("total", "invoiced", "paid", "not_invoiced", "overdue")]])]

    risks = p.risks[p.risks["project"] == project].sort_values("score", ascending=False)
    sections.append(Heading(t("Open risks", "未关闭风险")))
    sections.append(Table([t("Key", "编号"), t("Risk", "风险"), t("Status", "状态"), t("Probability", "概率"),
                           t("Impact", "影响"),
                           t("Score", "分值"), t("Owner", "负责人")], [
        [ctx.issue(r.key), text(r.summary), ctx.status_name(r.status), number(r.probability), number(r.impact),
         number(r.score), text(r.assignee)]
        for r in risks.itertuples()]) if len(risks) else Text(t("No open risks.", "没有未关闭的风险。")))

    if project in p.gates.index:
        gates = [(gate, state) for gate, state in p.gates.loc[project].items() if isinstance(state, str)]
        sections += [Heading(t("Gates", "阶段门")), Table(
            [t("Gate", "阶段门"), t("Name", "名称"), t("State", "状态")],
            [[gate, ctx.gate_names.get(str(gate), str(gate)), status(ctx.gate_state(state), state)]
             for gate, state in gates])]
    score = _row(p.compliance, project)
    if score is not None:
        sections += [Heading(t("Compliance", "合规")),
                     Text(f"{pct(score['score'])} · {t('Gaps', '不符合项')}: {number(score['gaps'])}")]
        if score["top_gaps"]:
            sections.append(Expand(t("Gaps", "不符合项"), [Items(list(score["top_gaps"]))]))
    return render(sections), tuple(attachments)


def _cost_over_time(ctx: PageContext, project: str, attachments: list[AttachmentSpec]) -> list:
    """PV, EV and AC week by week, where the record's actual cost has a history in Jira."""
    t = ctx.t
    cost = ctx.inputs.cost
    series = cost[cost["project"] == project] if not cost.empty else cost
    if series.empty:
        return []
    sections: list = [Heading(t("Cost over time", "成本趋势"), 3)]
    if ctx.charts:
        filename = f"cost-{project}.png"
        attachments.append(chart(filename, "cost", series, ctx.name(project), ctx.language))
        sections.append(Chart(filename))
    sections.append(Expand(t("Week by week", "按周"), [Table(
        [t("Week ending", "周末"), t("Planned value (PV)", "计划价值（PV）"), t("Earned value (EV)", "挣值（EV）"),
         t("Actual cost (AC)", "实际成本（AC）")],
        [[day(row.week), number(row.pv), number(row.ev), number(row.ac)] for row in series.itertuples()])]))
    return sections


def _epics(ctx: PageContext, project: str) -> list:
    """The project's epics with their own progress (the epic roll-up), when it has epics besides itself."""
    t, p = ctx.t, ctx.inputs.portfolio
    frame = p.frame
    mine = frame[(frame["project"].astype(str) == project) & (frame["type"] == "Epic")
                 & (frame["key"] != ctx.inputs.records.get(project))].sort_values("key")
    if mine.empty:
        return []
    rolled = p.progress["epic"].set_index("epic") if "epic" in p.progress else pd.DataFrame()
    rows = []
    for epic in mine.itertuples():
        figures = rolled.loc[str(epic.key)] if str(epic.key) in rolled.index else None
        rows.append([ctx.issue(epic.key), text(epic.summary), ctx.status_name(epic.status),
                     *([number(figures["issues"]), number(figures["done"]), number(figures["points"]),
                        pct(figures["pct_points"])] if figures is not None else ["—"] * 4)])
    return [Heading(t("Epics", "史诗"), 3), Table(
        [t("Key", "编号"), t("Epic", "史诗"), t("Status", "状态"), t("Issues", "事项"), t("Done", "已完成"),
         t("Points", "点数"), t("% done (points)", "完成率（点数）")], rows)]


def _manager(frame: pd.DataFrame, project: str, inputs: ReportInputs) -> object:
    record = inputs.records.get(project)
    rows = frame[frame["key"] == record] if record else frame.iloc[0:0]
    return rows["assignee"].iloc[0] if len(rows) else None

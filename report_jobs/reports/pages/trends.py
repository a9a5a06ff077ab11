"""The trends page: each project's colour per reporting period, what changed since the last period, and the
project managers' KPIs."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from connector.publisher import AttachmentSpec

from ..chart_jobs import chart
from ..rollups.rag import GREEN, TEXTS
from .cells import number, pct
from .cells import signed_number as signed
from .context import PageContext
from .sections import Chart, Heading, Items, Table, Text, render

HISTORY = "rag-history.png"
INDICATOR_NAMES = {"schedule": ("schedule", "进度"), "milestones": ("milestones overdue", "里程碑逾期"),
                   "slippage": ("slippage", "延期"), "budget": ("budget forecast", "预算预测"),
                   "spent": ("spending", "实际成本"), "cpi": ("cost performance", "成本绩效"),
                   "compliance": ("compliance", "合规"), "risk": ("risk", "风险")}
VERBS = {"approve": ("approved", "批准"), "conditional": ("approved with conditions", "有条件批准"),
         "reject": ("rejected", "驳回"), "hold": ("put on hold", "暂停"), "resume": ("resumed", "恢复"),
         "recycle": ("sent back", "退回"), "kill": ("killed", "终止"), "reopen": ("reopened", "重新打开")}
FIELD_NAMES = {"actual_cost": ("actual cost", "实际成本"), "forecast_cost": ("forecast", "预测成本")}


def history_chart(ctx: PageContext) -> AttachmentSpec | None:
    history = ctx.inputs.history
    return chart(HISTORY, "rag_history", history, ctx.language, set(ctx.inputs.reconstructed)) \
        if ctx.charts and not history.empty else None


def _money(value: Any) -> str:
    return f"{float(value):,.0f}" if isinstance(value, int | float) else "—"


def event_text(ctx: PageContext, event: dict[str, Any]) -> Markup:
    """One thing that happened in a project, as a reader says it."""
    t, kind = ctx.t, event["kind"]
    subject = ctx.issue(event["subject"])
    before, after = event.get("before"), event.get("after")
    if kind == "phase":
        return Markup("{}: {} → {}").format(t("phase", "阶段"), ctx.phase(before), ctx.phase(after))
    if kind == "due":
        return Markup("{} {} {} {} → {}").format(t("milestone", "里程碑"), subject, t("due", "到期日"), before or "—",
                                            after or "—")
    if kind in ("budget", "forecast_cost"):
        word = t("budget", "预算") if kind == "budget" else t("forecast", "预测成本")
        return Markup("{} {} → {}").format(word, _money(before), _money(after))
    if kind == "new_risk":
        score = f" ({t('score', '得分')} {after:.0f})" if isinstance(after, int | float) else ""
        return Markup("{} {}{}").format(t("new risk", "新风险"), subject, score)
    if kind == "risk_raised":
        return Markup("{} {} {} {:.0f} → {:.0f}").format(t("risk", "风险"), subject, t("raised", "升高"),
                                                         before, after)
    if kind == "gate":
        gate = ctx.gate_names.get(str(before), str(before))
        verb = t(*VERBS.get(str(after), (str(after), str(after))))
        who = event.get("who") or ""
        if ctx.language == "zh":
            return Markup("{}：{}{}").format(gate, f"{who} " if who else "", verb)
        return Markup("{}: {}{}").format(gate, verb, f" by {who}" if who else "")
    return Markup("{}").format(kind)


def move_text(ctx: PageContext, move: dict[str, Any]) -> Markup:
    """An indicator that changed colour, and (when it is not green now) what it measures now."""
    t, name = ctx.t, move["indicator"]
    text = Markup("{}: {} → {}").format(t(*INDICATOR_NAMES.get(name, (name, name))), ctx.colour(move["was"]),
                                         ctx.colour(move["now"]))
    value = move.get("value")
    if move["now"] != GREEN and name in TEXTS and isinstance(value, int | float) and value == value:
        text += Markup(" — {}").format(t(*TEXTS[name]).format(v=value))
    return text


def _period_header(ctx: PageContext, period: str) -> str:
    return f"{period}*" if period in ctx.inputs.reconstructed else period


def _reconstruction_note(ctx: PageContext) -> list[Any]:
    t, inputs = ctx.t, ctx.inputs
    if not inputs.reconstructed:
        return []
    lines = [Text(t(
        "* Rebuilt from Jira's history on the first run: status, phase, dates, points and fields as they were at "
        "the end of each period ({first} to {last}), the rules and thresholds of today.",
        "* 首次运行时根据 Jira 历史记录重建：各周期结束时的状态、阶段、日期、点数和字段（{first} 至 {last}），"
        "按当前的规则和阈值计算。").format(first=inputs.reconstructed[0], last=inputs.reconstructed[-1]))]
    by_field: dict[str, list[str]] = {}
    for project, names in inputs.assumed.items():
        for name in names:
            by_field.setdefault(name, []).append(project)
    everyone = set(inputs.portfolio.rag["project"].astype(str))
    for name, projects in sorted(by_field.items()):
        shown = t("every project", "所有项目") if everyone <= set(projects) else \
            ", ".join(ctx.name(p) for p in projects)
        word = t(*FIELD_NAMES.get(name, (name, name)))
        if name == "actual_cost":
            lines.append(Text(t("Not in Jira's history, so unknown in rebuilt periods: {w} of {p}.",
                                "Jira 历史记录中没有，重建周期中未知：{p} 的{w}。").format(w=word, p=shown)))
        else:
            lines.append(Text(t("Not in Jira's history, so today's value is used in rebuilt periods: {w} of {p}.",
                                "Jira 历史记录中没有，重建周期中沿用当前值：{p} 的{w}。").format(w=word, p=shown)))
    return lines


def trends_page(ctx: PageContext) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, inputs = ctx.t, ctx.inputs
    sections: list = [Heading(t("Status by period", "各周期状态"))]
    chart = history_chart(ctx)
    if chart is not None:
        sections.append(Chart(HISTORY))
    history = inputs.history
    if not history.empty:
        periods = list(history.columns)[-8:]
        sections.append(Table([t("Project", "项目"), *(_period_header(ctx, str(p)) for p in periods)], [
            [ctx.project(str(project)), *(ctx.colour(v) if isinstance(v, str) else "—" for v in row[periods])]
            for project, row in history.iterrows()]))
        sections += _reconstruction_note(ctx)
    sections.append(Heading(t("What changed since the last period", "与上一周期相比的变化")))
    if inputs.periods < 2:
        sections.append(Text(t("History starts with this period.", "历史记录从本周期开始。")))
    elif inputs.changes.empty:
        sections.append(Text(t("No project changed colour, phase, dates, money, risks or gates since the last "
                               "period.", "与上一周期相比，没有项目的状态、阶段、日期、资金、风险或阶段门发生变化。")))
    else:
        sections.append(Table([t("Project", "项目"), t("Was", "之前"), t("Now", "现在"), t("Changed", "变化")], [
            [ctx.project(str(c["project"])), ctx.colour(c["was"]) if isinstance(c["was"], str) else "—",
             ctx.colour(str(c["now"])),
             Items(([t("new in this period", "本周期新增")] if c["new"] else [])
                   + [move_text(ctx, m) for m in c["moves"]] + [event_text(ctx, e) for e in c["events"]])]
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

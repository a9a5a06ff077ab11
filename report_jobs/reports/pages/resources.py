"""The resources page: load against capacity by person and week, and the conflicts with the projects involved."""

from __future__ import annotations

from config.reports import ResourceSettings
from connector.publisher import AttachmentSpec

from ..chart_jobs import chart
from .cells import day, number
from .context import PageContext
from .sections import Chart, Heading, Table, Text, render

LOAD = "resource-load.png"
CHART_PEOPLE = 15  # rows a chart stays legible with


def capacity_line(ctx: PageContext, resources: ResourceSettings) -> str:
    """How load and capacity are counted, in numbers: the same numbers the ``person_load`` rule holds people to."""
    t = ctx.t
    unit = {"issues": t("issues", "项"), "story_points": t("story points", "故事点")}.get(resources.measure,
                                                                                      resources.measure)
    own = ", ".join(f"{person} {number(value)}" for person, value in sorted(resources.capacities.items()))
    line = t(f"Load: {unit} of open work, in the week it is due (past due: this week), for {resources.weeks} weeks. "
             f"Capacity: {number(resources.capacity_per_week)} {unit} a week per person",
             f"负荷：未完成工作的{unit}，计入到期所在周（已逾期的计入本周），共 {resources.weeks} 周。"
             f"产能：每人每周 {number(resources.capacity_per_week)} {unit}")
    if own:
        line += t(f" (their own: {own})", f"（个人产能：{own}）")
    return line + t(".", "。")


def resources_page(ctx: PageContext, resources: ResourceSettings) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, p = ctx.t, ctx.inputs.portfolio
    sections: list = [Text(capacity_line(ctx, resources))]
    attachments: tuple[AttachmentSpec, ...] = ()
    if ctx.charts and not p.load.empty:
        people = p.load["person"].nunique()
        attachments = (chart(LOAD, "resource_load", p.load, ctx.language, CHART_PEOPLE),)
        sections += [Heading(t("Load by week", "每周负荷")), Chart(LOAD)]
        if people > CHART_PEOPLE:
            sections.append(Text(t(f"The chart shows the {CHART_PEOPLE} most loaded of {people} people; the table "
                                   f"below lists everyone over capacity.",
                                   f"图中显示负荷最高的 {CHART_PEOPLE} 人（共 {people} 人）；"
                                   f"下表列出所有超出产能的人员。")))
    sections.append(Heading(t("Resource conflicts", "资源冲突")))
    if p.conflicts.empty:
        sections.append(Text(t("No person is over capacity in the weeks shown.", "所示各周内没有人员超出产能。")))
    else:
        sections.append(Table(
            [t("Person", "人员"), t("Week", "周"), t("Load", "负荷"), t("Capacity", "产能"), t("Over", "超出"),
             t("Projects", "项目")],
            [[str(c["person"]), day(c["week"]), number(c["load"], 1), number(c["capacity"], 1), number(c["over"], 1),
              ", ".join(c["projects"])] for c in p.conflicts.to_dict("records")]))
    return render(sections), attachments

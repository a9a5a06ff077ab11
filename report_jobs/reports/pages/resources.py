"""The resources page: load against capacity by person and week, and the conflicts with the projects involved."""

from __future__ import annotations

from connector.publisher import AttachmentSpec

from ..charts import resource_load_chart
from .cells import day, number
from .context import PageContext
from .sections import Chart, Heading, Table, Text, render

LOAD = "resource-load.png"


def resources_page(ctx: PageContext, measure: str) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, p = ctx.t, ctx.inputs.portfolio
    sections: list = [Text(f"{t('Load', '负荷')}: {measure} · {t('Capacity', '产能')}: reports.resources")]
    attachments: tuple[AttachmentSpec, ...] = ()
    if ctx.charts and not p.load.empty:
        attachments = (AttachmentSpec(LOAD, resource_load_chart(p.load, ctx.language)),)
        sections += [Heading(t("Load by week", "每周负荷")), Chart(LOAD)]
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

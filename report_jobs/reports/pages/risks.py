"""The risks page: the heat map, the top risks, open risks per project."""

from __future__ import annotations

from connector.publisher import AttachmentSpec

from ..chart_jobs import chart
from .cells import number, text
from .context import PageContext
from .sections import Chart, Heading, Table, Text, render

HEAT_MAP = "risk-heat-map.png"


def risks_page(ctx: PageContext) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, p = ctx.t, ctx.inputs.portfolio
    sections: list = []
    attachments: tuple[AttachmentSpec, ...] = ()
    if ctx.charts:
        attachments = (chart(HEAT_MAP, "heat_map", p.heat_map, ctx.language),)
        sections += [Heading(t("Heat map", "热力图")), Chart(HEAT_MAP)]
    sections.append(Heading(t("Top risks", "主要风险")))
    sections.append(Table([t("Key", "编号"), t("Risk", "风险"), t("Project", "项目"), t("Status", "状态"),
                           t("Probability", "概率"), t("Impact", "影响"), t("Score", "分值"), t("Owner", "负责人")],
                          [[ctx.issue(r.key), text(r.summary), ctx.project(str(r.project)), ctx.status_name(r.status),
                            number(r.probability),
                            number(r.impact), number(r.score), text(r.assignee)] for r in p.top_risks.itertuples()])
                    if len(p.top_risks) else Text(t("No open risks.", "没有未关闭的风险。")))
    per = p.risks_by_project
    sections += [Heading(t("Open risks by project", "各项目未关闭风险")),
                 Table([t("Project", "项目"), t("Open risks", "未关闭风险"), t("Score", "分值"),
                        t("Unassessed", "未评估")],
                       [[ctx.project(str(project)), number(row.open), number(row.worst), number(row.unassessed)]
                        for project, row in per.iterrows()])]
    return render(sections), attachments

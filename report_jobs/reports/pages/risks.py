"""The risks page: the heat map, the top risks, open risks per project."""

from __future__ import annotations

from connector.publisher import AttachmentSpec

from ..charts import heat_map_chart
from .cells import number, text
from .context import PageContext
from .sections import Chart, Heading, Table, Text, render

HEAT_MAP = "risk-heat-map.png"


def risks_page(ctx: PageContext) -> tuple[str, tuple[AttachmentSpec, ...]]:
    t, p = ctx.t, ctx.inputs.portfolio
    sections: list = []
    attachments: tuple[AttachmentSpec, ...] = ()
    if ctx.charts:
        attachments = (AttachmentSpec(HEAT_MAP, heat_map_chart(p.heat_map, ctx.language)),)
        sections += [Heading(t("Heat map")), Chart(HEAT_MAP)]
    sections.append(Heading(t("Top risks")))
    sections.append(Table([t("Key"), t("Project"), t("Status"), t("Probability"), t("Impact"), t("Score"), t("Owner")],
                          [[ctx.issue(r.key), ctx.project(str(r.project)), str(r.status), number(r.probability),
                            number(r.impact), number(r.score), text(r.assignee)] for r in p.top_risks.itertuples()])
                    if len(p.top_risks) else Text(t("No open risks.")))
    per = p.risks.assign(project=p.risks["project"].astype(str)).groupby("project").agg(
        open=("key", "size"), worst=("score", "max"), unassessed=("score", lambda s: int(s.isna().sum())))
    sections += [Heading(t("Open risks by project")),
                 Table([t("Project"), t("Open risks"), t("Score"), t("Unassessed")],
                       [[ctx.project(project), number(row.open), number(row.worst), number(row.unassessed)]
                        for project, row in per.iterrows()])]
    return render(sections), attachments

"""A named report as a tree of pages: the portfolio page on top, under it a page per program (and under each,
its projects' pages), the risks, resources and trends pages. Titles carry the report's title, so two reports
can live in one space (Confluence titles are unique per space)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pandas as pd
from markupsafe import Markup

from config.language import Words
from config.models import Settings
from config.reports import ReportDefinition
from connector.publisher import AttachmentSpec, PageSpec

from ..export import XLSX_MEDIA_TYPE, workbook, workbook_name
from ..inputs import ReportInputs
from ..rollups.rag import reasons_in
from .context import PageContext
from .portfolio import portfolio_page
from .programs import program_page
from .projects import project_page
from .resources import resources_page
from .risks import risks_page
from .sections import Chart, Heading, Items, Text, render
from .storage import attachment_link, page_link, showable
from .trends import HISTORY, history_chart, trends_page

LABELS = ("pmokit", "pmokit-report")
CHILD_PAGES = {"risks": ("Risks", "风险"), "resources": ("Resources", "资源"), "trends": ("Trends", "趋势")}
MAX_TITLE = 255  # Confluence refuses a longer page title (400)
log = logging.getLogger(__name__)


def page_title(text: str) -> str:
    """A page title Confluence takes: at most 255 characters, a long one cut at a word with an ellipsis (the
    portfolio's name and the project key come first, so cut titles stay distinct)."""
    text = " ".join(str(showable(text)).split())
    if len(text) <= MAX_TITLE:
        return text
    cut = text[:MAX_TITLE - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_TITLE // 2 else cut).rstrip() + "…"

def report_pages(inputs: ReportInputs, settings: Settings, name: str, definition: ReportDefinition,
                 failures: dict[str, str] | None = None,
                 on_page: Callable[[int, int], None] | None = None) -> list[PageSpec]:
    """The pages of report ``name`` (a ``reports.definitions`` entry), parents first. A page that cannot be built
    is left out (Confluence keeps what it had) and named in ``failures`` (title -> why); the others are built."""
    failures = {} if failures is None else failures
    language = definition.language or settings.language
    if language != settings.language:  # the colours' reasons in the report's language
        rag = inputs.portfolio.rag
        portfolio = replace(inputs.portfolio, rag=rag.assign(
            reasons=pd.Series(reasons_in(rag, language), index=rag.index, dtype=object)))
        inputs = replace(inputs, portfolio=portfolio)
    t = Words(language)
    top = definition.title or settings.portfolio.name.get(language)
    kinds = set(definition.pages)
    programs = [p for p in settings.portfolio.programs if not definition.programs or p.key in definition.programs]
    rated = set(inputs.portfolio.rag["project"])
    # A program's projects: its Jira projects, or (epics, an issue type as the unit) the records in them.
    members = {p.key: [k for k in p.projects if k in rated] + sorted(
        k for k in rated if inputs.program_of.get(k) == p.key and k not in p.projects) for p in programs}
    shown_projects = [k for p in programs for k in members[p.key]]
    if not programs:  # a portfolio without programs: every project it has
        shown_projects = list(inputs.portfolio.rag["project"])
    program_titles = {p.key: page_title(f"{top} · {p.name.get(language)}") for p in programs} \
        if "programs" in kinds else {}
    project_titles = {k: page_title(f"{top} · {k} {inputs.names.get(k, '')}".rstrip()) for k in shown_projects} \
        if "projects" in kinds else {}
    gate_names = {rule.id: rule.name.get(language) if rule.name else rule.id
                  for rule in settings.rules if rule.kind == "gate"}
    ctx = PageContext(inputs, language, settings.jira.server_id, project_titles, program_titles,
                      {p.key: p.name.get(language) for p in programs}, definition.charts,
                      jira_url=settings.jira.url, gate_names=gate_names, thresholds=settings.reports.rag,
                      phase_names={phase.id: phase.name.get(language) for phase in settings.phases})
    key = f"{name}/portfolio"
    pages: list[PageSpec] = []
    children = {kind: f"{top} · {t(*CHILD_PAGES[kind])}" for kind in CHILD_PAGES if kind in kinds}

    portfolio = inputs.portfolio
    rag = portfolio.rag[portfolio.rag["project"].isin(shown_projects)]
    body = portfolio_page(
        ctx, period=portfolio.period, rag=rag, progress=portfolio.progress["project"],
        portfolio_progress=portfolio.progress["portfolio"], budget=portfolio.budget, milestones=portfolio.milestones,
        compliance=portfolio.compliance, gates=portfolio.gates, records=inputs.records)
    extra: list = []
    chart = history_chart(ctx) if "portfolio" in kinds else None
    if chart is not None:
        extra += [Heading(t("Status by period", "各周期状态")), Chart(HISTORY)]
    # The program pages are linked from the projects' table; the others from here.
    links = [page_link(title, t(*CHILD_PAGES[kind])) for kind, title in children.items()]
    if links:
        extra += [Heading(t("Pages", "页面")), Items(links)]
    attachments = [chart] if chart is not None else []
    if definition.workbook:
        try:
            data = workbook(inputs, language)
        except Exception as exc:  # the page publishes without its workbook rather than not at all
            log.exception("report %s: the workbook could not be built", name)
            failures[workbook_name(name)] = f"{type(exc).__name__}: {exc}"
        else:
            attachments.append(AttachmentSpec(workbook_name(name), data, XLSX_MEDIA_TYPE))
            extra += [Heading(t("Data", "数据")), Text(Markup("{}").format(t(
                "Every table of this report, for your own analysis: ", "本报告的全部表格，供自行分析：")) +
                attachment_link(workbook_name(name), t("workbook (Excel)", "工作簿（Excel）")))]
    pages.append(PageSpec(key, top, body + (render(extra) if extra else ""), labels=LABELS,
                          attachments=tuple(attachments)))
    total = 1 + len(program_titles) + len(project_titles) + len(children)
    if on_page is not None:
        on_page(1, total)

    def build(title: str, make: Callable[[], PageSpec]) -> None:
        try:
            pages.append(make())
        except Exception as exc:  # one page's fault (a bug, data no page expected) never costs the others
            log.exception("report %s: page %r could not be built", name, title)
            failures[title] = f"{type(exc).__name__}: {exc}"
        if on_page is not None:
            on_page(len(pages) + len(failures), total)

    if "programs" in kinds:
        def program_spec(program: Any) -> PageSpec:
            return PageSpec(f"{name}/program/{program.key}", program_titles[program.key],
                            program_page(ctx, program.key, members[program.key], program.manager), parent_key=key,
                            labels=LABELS)

        for program in programs:
            build(program_titles[program.key], partial(program_spec, program))
    if "projects" in kinds:
        parent_of = {k: f"{name}/program/{p.key}" for p in programs for k in members[p.key]} \
            if program_titles else {}

        def project_spec(project: str) -> PageSpec:
            body, attachments = project_page(ctx, project)
            return PageSpec(f"{name}/project/{project}", project_titles[project], body,
                            parent_key=parent_of.get(project, key), labels=LABELS, attachments=attachments)

        for project in shown_projects:
            build(project_titles[project], partial(project_spec, project))
    builders = {"risks": lambda: risks_page(ctx), "trends": lambda: trends_page(ctx),
                "resources": lambda: resources_page(ctx, settings.reports.resources)}

    def child_spec(kind: str, title: str) -> PageSpec:
        body, attachments = builders[kind]()
        return PageSpec(f"{name}/{kind}", title, body, parent_key=key, labels=LABELS, attachments=attachments)

    for kind, title in children.items():
        build(title, partial(child_spec, kind, title))
    return pages

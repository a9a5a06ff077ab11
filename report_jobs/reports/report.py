"""Running a named report: gather the inputs, build its pages, write the HTML preview, publish to Confluence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from config.models import Settings
from config.reports import ReportDefinition
from connector.publisher import PageSpec, PublishReport
from pmokit.runtime import Runtime
from pmokit.store.charts import StoreChartCache

from .chart_jobs import resolve_charts
from .inputs import Progress, ReportInputs, _quiet, gather
from .pages.tree import report_pages
from .preview import write_preview


@dataclass
class ReportRun:
    name: str
    pages: list[PageSpec]
    inputs: ReportInputs
    preview: list[Path] = field(default_factory=list)
    published: PublishReport | None = None
    not_built: dict[str, str] = field(default_factory=dict)  # title -> why the page could not be built
    charts_drawn: int = 0  # charts drawn by this run
    charts_reused: int = 0  # charts whose data had not changed since a report drew them: not drawn again


def definition_of(settings: Settings, name: str | None) -> tuple[str, ReportDefinition]:
    """The named report, or the first one defined when ``name`` is None; ``KeyError`` names the known ones."""
    definitions = settings.reports.definitions
    if name is None:
        name = next(iter(definitions))
    if name not in definitions:
        raise KeyError(f"no report named '{name}'; defined: {', '.join(definitions) or 'none'}")
    return name, definitions[name]


def run_report(runtime: Runtime, name: str | None = None, *, preview: Path | None = None, publish: bool = False,
               now: datetime | None = None, inputs: ReportInputs | None = None,
               progress: Progress = _quiet) -> ReportRun:
    """Build report ``name``; write its preview into ``preview``/NAME and publish it when asked; ``progress``
    hears of each step (reading the store, each page built, each page published)."""
    name, definition = definition_of(runtime.settings, name)
    now = now or datetime.now(UTC)
    if inputs is None:
        progress("reading the store", 0, 1)
        inputs = gather(runtime, now, progress=progress)
        progress("reading the store", 1, 1)
    not_built: dict[str, str] = {}
    pages = report_pages(inputs, runtime.settings, name, definition, not_built,
                         on_page=lambda done, total: progress(f"building {name}", done, total))
    charts = resolve_charts(pages, StoreChartCache(runtime.sessions), failures=not_built,
                            processes=runtime.settings.reports.chart_processes,
                            on_chart=lambda done, total: progress("drawing charts", done, total))
    run = ReportRun(name, charts.pages, inputs, not_built=not_built, charts_drawn=charts.drawn,
                    charts_reused=charts.reused)
    if preview is not None:
        run.preview = write_preview(run.pages, preview / name, jira_url=runtime.settings.jira.url,
                                    generated=inputs.generated,
                                    language=definition.language or runtime.settings.language)
    if publish:
        run.published = runtime.publisher.publish(
            run.pages, definition.parent_page, on_page=lambda done, total: progress(f"publishing {name}", done, total))
    return run

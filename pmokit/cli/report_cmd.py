"""``pmokit report [NAME] [--preview DIR] [--publish] [--xlsx FILE] [--csv DIR]``: build a named report from the
store; look at it, publish it, or take its tables away for analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from connector.errors import AtlassianError

from .context import CliState, pass_state
from .errors import ServiceError, UsageError, UserError

if TYPE_CHECKING:
    from config.models import ConfluenceSettings
    from report_jobs.reports.report import ReportRun


@click.command("report")
@click.argument("name", required=False)
@click.option("--preview", "preview", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write each page as a standalone HTML file (charts beside them) into DIR/NAME.")
@click.option("--publish", is_flag=True, help="Publish the pages to Confluence (unchanged pages are not written).")
@click.option("--all", "every", is_flag=True, help="Every report the configuration defines.")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the report's tables (one sheet per roll-up) as an Excel workbook to FILE.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write the same tables as CSV files (projects.csv, milestones.csv, …) into DIR.")
@pass_state
def report_command(state: CliState, name: str | None, preview: Path | None, publish: bool, every: bool,
                   xlsx: Path | None, csv_dir: Path | None) -> None:
    """Build report NAME (default: the first in reports.definitions) from the synced store: its roll-ups and
    pages; preview them as HTML, publish them, or (neither) list the pages it would write."""
    from pmokit.runtime import open_runtime
    from report_jobs.reports.report import definition_of, run_report

    from .report_progress import report_progress

    # The pages are built from the store (and Jira's field names, cached by sync); publishing writes them to
    # Confluence.
    settings = state.settings(require_secrets=("jira", "confluence", "store") if publish else ("jira", "store"))
    if publish and settings.confluence is None:
        raise UserError("--publish needs a 'confluence' section in the configuration")
    names = list(settings.reports.definitions) if every else [name]
    if every and (xlsx or csv_dir) and len(names) > 1:
        raise UsageError("--xlsx and --csv write one report's tables: name the report instead of --all")
    if xlsx is not None and not xlsx.parent.is_dir():  # said before minutes of work, not after
        raise UserError(f"cannot write {xlsx}: {xlsx.parent} is not a directory")
    try:
        for report_name in names:
            definition_of(settings, report_name)
    except KeyError as exc:
        raise UserError(exc.args[0]) from None
    runtime = open_runtime(settings)
    failed = False
    try:
        inputs = None
        for report_name in names:
            try:
                with report_progress() as progress:
                    run = run_report(runtime, report_name, preview=preview, publish=publish, inputs=inputs,
                                     progress=progress)
            except AtlassianError as exc:
                raise ServiceError(f"Confluence: {exc}") from None
            inputs = run.inputs  # one gathering for every report of this run
            _summary(run, settings.confluence)
            language = definition_of(settings, report_name)[1].language or settings.language
            _export(run, language, xlsx, csv_dir)
            failed = failed or bool(run.published and run.published.failed) or bool(run.not_built)
    finally:
        runtime.close()
    if failed:
        raise ServiceError("some pages were not built or not published (see above); the others were")


def _export(run: ReportRun, language: str, xlsx: Path | None, csv_dir: Path | None) -> None:
    from report_jobs.reports.export import workbook, write_csv

    try:
        if xlsx is not None:
            xlsx.write_bytes(workbook(run.inputs, language))
            click.echo(f"workbook: {xlsx}")
        if csv_dir is not None:
            written = write_csv(run.inputs, csv_dir, language)
            click.echo(f"csv: {len(written)} files in {csv_dir}")
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename or 'the export'}: {exc.strerror or exc}") from None


def _summary(run: ReportRun, confluence: ConfluenceSettings | None) -> None:
    rag = run.inputs.portfolio.rag["rag"].value_counts()
    attached = [a for p in run.pages for a in p.attachments]
    charts = sum(a.media_type.startswith("image/") for a in attached)
    workbooks = len(attached) - charts
    click.echo(f"report {run.name}: period {run.inputs.portfolio.period}, {len(run.inputs.portfolio.rag)} projects "
               f"(red {rag.get('red', 0)}, amber {rag.get('amber', 0)}, green {rag.get('green', 0)}), "
               f"{len(run.pages)} pages, {charts} charts{', a workbook' if workbooks else ''}")
    if run.charts_drawn or run.charts_reused:
        click.echo(f"charts: {run.charts_drawn} drawn, {run.charts_reused} unchanged since the last report "
                   f"(not drawn again)")
    for title, why in run.not_built.items():
        click.echo(f"not built: {title}: {why}", err=True)
    if run.preview:
        click.echo(f"preview: {run.preview[0]}")
    if run.published is not None:
        click.echo(run.published.line())
        top = run.published.page_ids.get(run.pages[0].key) if run.pages else None
        if top and confluence is not None:
            from connector.confluence_client import page_url

            click.echo(f"read it at {page_url(confluence, top)}")
    if not run.preview and run.published is None:
        for page in run.pages:
            charts = sum(a.media_type.startswith("image/") for a in page.attachments)
            files = len(page.attachments) - charts
            click.echo(f"  {page.title}  ({len(page.body):,} characters, {charts} charts"
                       f"{f', {files} workbook' if files else ''})")
        click.echo("use --preview DIR to look at the pages, --publish to put them in Confluence")

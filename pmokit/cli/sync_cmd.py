"""``pmokit sync``: read the portfolio from Jira into the store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import click

from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, pass_state
from .errors import UserError


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar on a terminal; plain lines (every 1,000 issues) otherwise."""
    if enabled:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("syncing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True) as bar:
            task = bar.add_task("sync", total=None)

            def update(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            yield update
        return
    last = [0]

    def plain_line(done: int, total: int | None) -> None:
        if done - last[0] >= 1000 or (total is not None and done == total):
            last[0] = done
            click.echo(f"{datetime.now():%H:%M:%S} synced {done} of {total if total is not None else '?'} issues",
                       err=True)

    yield plain_line


@click.command("sync")
@click.option("--full", is_flag=True, help="Read every issue and its whole changelog (default: what changed).")
@click.option("--reconcile", is_flag=True, help="Only compare the set of issue ids: mark deleted, fetch missed.")
@click.option("--project", "projects", multiple=True, metavar="KEY", help="Only these projects (repeatable).")
@click.option("--overlap-minutes", default=2, show_default=True, type=click.IntRange(0, 1440),
              help="Incremental sync re-reads this far before the cursor.")
@pass_state
def sync_command(state: CliState, full: bool, reconcile: bool, projects: tuple[str, ...], overlap_minutes: int) -> None:
    """Sync the portfolio from Jira into the store: incremental by default."""
    from pmokit.runtime import open_runtime
    from report_jobs.sync.jobs import Mode, run_sync

    settings = state.settings(require_secrets=("jira", "store"))
    runtime = open_runtime(settings)
    mode: Mode = "reconcile" if reconcile else "full" if full else "incremental"
    try:
        with _progress(sys.stderr.isatty()) as progress:
            run = run_sync(runtime, mode, projects, overlap=timedelta(minutes=overlap_minutes), progress=progress)
        click.echo(run.summary.line())
        if run.documents is not None and not run.documents.skipped:
            click.echo(("warning: " if run.documents.failed else "") + run.documents.line(),
                       err=bool(run.documents.failed))
    except (AtlassianError, MissingSecretError, ValueError) as exc:
        raise UserError(f"sync failed: {exc}") from None
    finally:
        runtime.close()

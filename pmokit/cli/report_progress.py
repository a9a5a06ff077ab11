"""A progress bar for ``pmokit report`` on a terminal (rich, on standard error): one line per step, each page
built and published counted; nothing at all when standard error is not a terminal (logs and pipes stay clean)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


@contextmanager
def report_progress(enabled: bool | None = None) -> Iterator[Any]:
    """A ``(what, done, total)`` callback for :func:`report_jobs.reports.report.run_report`; shown when standard
    error is a terminal (or ``enabled``)."""
    if not (sys.stderr.isatty() if enabled is None else enabled):
        yield lambda what, done, total: None
        return
    bar = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=False)
    tasks: dict[str, TaskID] = {}

    def step(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    with bar:
        yield step

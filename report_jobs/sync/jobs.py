"""A sync as every caller runs it — ``pmokit sync``, the scheduler's ``sync`` and ``reconcile`` jobs, the demo:
the issues (full, incremental or reconcile), then the Confluence documents `documents` rules count as evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pmokit.runtime import Runtime

from .documents import DocumentsRead, refresh_documents
from .syncer import Progress, Syncer, SyncSummary

Mode = Literal["incremental", "full", "reconcile"]


@dataclass(frozen=True)
class SyncRun:
    summary: SyncSummary
    documents: DocumentsRead | None  # None for a reconcile: it compares issue ids only

    def lines(self) -> list[str]:
        return [self.summary.line(), *([self.documents.line()] if self.documents else [])]


def run_sync(runtime: Runtime, mode: Mode = "incremental", projects: Sequence[str] | None = None, *,
             overlap: timedelta = timedelta(minutes=2), progress: Progress | None = None) -> SyncRun:
    """Sync the portfolio (or ``projects`` of it) from Jira into the store, then refresh the documents (a full
    or incremental sync). Jira failures raise; a Confluence failure keeps the documents known before."""
    syncer = Syncer.of(runtime, overlap=overlap, progress=progress)
    run = {"full": syncer.full, "incremental": syncer.incremental, "reconcile": syncer.reconcile}[mode]
    summary = run(projects)
    return SyncRun(summary, None if mode == "reconcile" else refresh_documents(runtime))

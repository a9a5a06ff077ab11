"""The demo: the whole suite on a site with the demo portfolio and the example PMO standard, with nothing to
configure. Sync, enforce (comments and labels on the site's issues), publish every report to its Confluence,
write the HTML preview. The command line starts the sandbox and hands it here (`pmokit demo`)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from connector.confluence_client import page_url
from report_jobs.events.enforce import enforce
from report_jobs.reports.inputs import gather
from report_jobs.reports.report import run_report
from report_jobs.sync.jobs import run_sync
from report_jobs.sync.snapshot import load_facts
from rules.actions import ACTIONS

from .runtime import Runtime


class Site(Protocol):
    """Where the demo runs: a Jira at ``url`` and its Confluence at ``wiki_url`` (the sandbox)."""

    @property
    def url(self) -> str: ...

    @property
    def wiki_url(self) -> str: ...


@dataclass
class DemoResult:
    directory: Path
    config: Path
    issues: int
    projects: int
    rag: Counter
    gates: Counter
    violations: int
    comments: int
    labels: int
    reports: dict[str, str] = field(default_factory=dict)  # name -> publishing line
    preview: Path | None = None
    pages: dict[str, str] = field(default_factory=dict)  # report name -> URL of its top page
    seconds: float = 0.0


def run_demo(runtime: Runtime, site: Site, directory: Path, now: datetime | None = None) -> DemoResult:
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    run_sync(runtime, "full")
    facts = load_facts(runtime)
    done = enforce(runtime, facts, list(facts.issues), trigger="demo", now=now)
    touched = Counter(ACTIONS[a.action.kind].touches for a in done.applied if a.changed)
    inputs = gather(runtime, now, facts=facts, results=done.results)
    result = DemoResult(
        directory=directory, config=directory / "pmokit.yaml", issues=len(facts.issues),
        projects=len(inputs.portfolio.rag), rag=Counter(inputs.portfolio.rag["rag"]),
        gates=Counter(state for state in inputs.portfolio.gates.to_numpy().ravel() if isinstance(state, str)),
        violations=sum(1 for r in done.results if r.state.value == "fail"),
        comments=touched["comment"], labels=touched["label"])
    for name in runtime.settings.reports.definitions:
        run = run_report(runtime, name, preview=directory / "preview", publish=True, now=now, inputs=inputs)
        result.reports[name] = run.published.line() if run.published else ""
        top = run.pages[0].key
        if run.published and top in run.published.page_ids and runtime.settings.confluence:
            result.pages[name] = page_url(runtime.settings.confluence, run.published.page_ids[top])
        if result.preview is None and run.preview:
            result.preview = run.preview[0]
    result.seconds = time.perf_counter() - started
    return result

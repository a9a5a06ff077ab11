"""The demo: the whole suite on a sandbox with the demo portfolio and the example PMO standard, with nothing to
configure. Sync, enforce (comments and labels on the sandbox's issues), publish every report to the sandbox's
Confluence, write the HTML preview."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config import load_settings

from .runtime import Runtime, open_runtime


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


def prepare(directory: Path, sandbox: Any) -> Runtime:
    """A fresh store and a configuration pointed at ``sandbox`` in ``directory`` (an earlier demo's store goes:
    it described another sandbox)."""
    from pmokit.cli.sandbox_config import sandbox_config

    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("pmokit.db*"):
        stale.unlink()
    config = directory / "pmokit.yaml"
    config.write_text(sandbox_config(sandbox.url, store="sqlite:///pmokit.db"), encoding="utf-8")
    return open_runtime(load_settings([config]))


def run_demo(runtime: Runtime, sandbox: Any, directory: Path, now: datetime | None = None) -> DemoResult:
    from report_jobs.enforce import enforce
    from report_jobs.inputs import gather
    from report_jobs.report import run_report
    from report_jobs.sync import Syncer

    started = time.perf_counter()
    now = now or datetime.now(UTC)
    Syncer(runtime.settings, runtime.jira, runtime.sessions, runtime.jira_transport.accounting).full()
    facts = runtime.facts()
    done = enforce(runtime, facts, list(facts.issues), trigger="demo", now=now)
    changed = [a for a in done.applied if a.changed]
    kinds = Counter(a.action.kind for a in changed)
    inputs = gather(runtime, now, facts=facts, results=done.results)
    result = DemoResult(
        directory=directory, config=directory / "pmokit.yaml", issues=len(facts.issues),
        projects=len(inputs.portfolio.rag), rag=Counter(inputs.portfolio.rag["rag"]),
        gates=Counter(state for state in inputs.portfolio.gates.to_numpy().ravel() if isinstance(state, str)),
        violations=sum(1 for r in done.results if r.state.value == "fail"),
        comments=kinds["comment"] + kinds["clear_comment"], labels=kinds["add_label"] + kinds["remove_label"])
    for name in runtime.settings.reports.definitions:
        run = run_report(runtime, name, preview=directory / "preview", publish=True, now=now, inputs=inputs)
        result.reports[name] = run.published.line() if run.published else ""
        top = run.pages[0].key
        if run.published and top in run.published.page_ids:
            space = runtime.settings.confluence.space
            result.pages[name] = f"{sandbox.wiki_url}/spaces/{space}/pages/{run.published.page_ids[top]}"
        if result.preview is None and run.preview:
            result.preview = run.preview[0]
    result.seconds = time.perf_counter() - started
    return result

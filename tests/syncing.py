"""Helpers for tests that sync from a sandbox into a store."""

from __future__ import annotations

import math
from pathlib import Path

from config import load_settings
from pmokit.cli.sandbox_config import sandbox_config
from pmokit.runtime import Runtime, open_runtime
from report_jobs.sync.syncer import Syncer
from sandbox import Sandbox
from sandbox.histories import all_histories


def runtime_for(sb: Sandbox, directory: Path, store_url: str | None = None, rps: float | None = None,
                give_up_after: float | None = None, timeout: float | None = None,
                history_periods: int = 0, reads_in_flight: int | None = None) -> Runtime:
    """A runtime on ``sb`` whose configuration is ``directory/pmokit.yaml``; ``timeout`` is the client's time-out
    for every Jira and Confluence request, ``give_up_after`` how long the Jira transport keeps retrying.
    ``history_periods``: weeks a first report rebuilds from the changelog (the product's default is 12; tests
    that are not about history rebuild none, which saves seconds a report)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pmokit.yaml"
    text = sandbox_config(sb.url, flavor=sb.options.flavor, store=store_url or f"sqlite:///{directory / 'store.db'}",
                          confluence_flavor=sb.options.confluence_flavor)
    if rps:
        text = text.replace("  bot:\n", f"  requests_per_second: {rps}\n  bot:\n", 1)
    if reads_in_flight:
        text = text.replace("  bot:\n", f"  reads_in_flight: {reads_in_flight}\n  bot:\n", 1)
    if give_up_after:
        text = text.replace("  bot:\n", f"  give_up_after_seconds: {give_up_after}\n  bot:\n", 1)
    if timeout:
        text = text.replace("  bot:\n", f"  timeout_seconds: {timeout}\n  bot:\n", 1)
        text = text.replace("confluence:\n", f"confluence:\n  timeout_seconds: {timeout}\n", 1)
    text = text.replace("\nreports:\n", f"\nreports:\n  history_periods: {history_periods}\n", 1)
    path.write_text(text, encoding="utf-8")
    return open_runtime(load_settings([path]))


def syncer(runtime: Runtime, **kwargs) -> Syncer:
    return Syncer.of(runtime, **kwargs)


def truth(sb: Sandbox) -> dict[str, int]:
    """Issue id -> number of histories, as the sandbox holds them."""
    return {str(i.id): len(all_histories(sb.state, i)) for i in sb.state.live_issues()}


def read_by_pmokit(item: dict) -> bool:
    """A changelog item of a field pmokit reads: all but the Rank's moves and the system description's and
    environment's drafts (docs/sync.md, "What the store keeps")."""
    return not (item.get("field") == "Rank"
                or (item.get("field") in ("description", "environment") and item.get("fieldtype") == "jira"))


def kept(sb: Sandbox) -> dict[str, int]:
    """Issue id -> number of histories the store should hold: those with an item pmokit reads (none: left out)."""
    counts = {str(i.id): sum(1 for h in all_histories(sb.state, i) if any(map(read_by_pmokit, h["items"])))
              for i in sb.state.live_issues()}
    return {issue_id: n for issue_id, n in counts.items() if n}


def ideal_cloud_plan(sb: Sandbox, records: int = 12, lookups: int = 1) -> int:
    """id pages + bulk issue pages + bulk changelog pages for the cut changelogs + a constant.

    The constant is the per-run lookups (the field list; account and flavour are not needed by a full sync),
    one remote-link read per project record (Jira has no bulk read for remote links), and one bulk read of the
    records' comments (they carry the gate decisions), 100 records a request.
    """
    issues = sorted(sb.state.live_issues(), key=lambda i: (i.project_key, i.number))
    n = len(issues)
    cut = [len(all_histories(sb.state, i)) for i in issues if len(all_histories(sb.state, i)) > 40]
    changelog_pages = sum(math.ceil(sum(cut[g:g + 1000]) / 10000) for g in range(0, len(cut), 1000))
    return (math.ceil(n / 5000) + math.ceil(n / 100) + changelog_pages + lookups + records
            + math.ceil(records / 100))

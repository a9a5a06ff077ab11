"""``pmokit audit``: what was decided, when, on what evidence and standard."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from .context import CliState, pass_state


@click.command("audit")
@click.option("--project", help="Only this project.")
@click.option("--issue", help="Only this issue.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="From this date (UTC).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def audit_command(state: CliState, project: str | None, issue: str | None, since: datetime | None, limit: int,
                  fmt: str) -> None:
    """The audit log: changed results and actions taken, newest first."""
    from pmokit.store import open_store
    from pmokit.store.audit import events

    settings = state.settings(require_secrets=("store",))
    store = open_store(settings.store.url, settings.base_dir)
    try:
        with store.sessions() as session:
            found = events(session, project=project.upper() if project else None,
                           issue=issue.upper() if issue else None,
                           since=since.replace(tzinfo=UTC) if since else None, limit=limit)
            rows: list[dict[str, Any]] = [
                {"at": e.at.isoformat(), "kind": e.kind, "trigger": e.trigger, "project": e.project_key,
                 "issue": e.issue_key, "rule": e.rule_id, "state": e.state, "summary": e.summary,
                 "detail": e.detail, "ruleset": e.ruleset_hash} for e in found]
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        what = f"{row['rule']} → {row['state']}" if row["kind"] == "result" else f"{row['kind']}: {row['state']}"
        click.echo(f"{row['at'][:19]}  {row['issue']:<10} {what:<32} {row['summary']}  [rules {row['ruleset'][:12]}]")
    click.echo(f"{len(rows)} event(s)")

"""``pmokit audit`` and ``pmokit gate status``: what was decided, when, on what evidence and standard."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click

from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, pass_state
from .errors import UsageError, UserError


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
    from pmokit.runtime import open_runtime
    from pmokit.store.audit import events

    runtime = open_runtime(state.settings(require_secrets=False))
    try:
        with runtime.sessions() as session:
            found = events(session, project=project.upper() if project else None,
                           issue=issue.upper() if issue else None,
                           since=since.replace(tzinfo=UTC) if since else None, limit=limit)
            rows = [{"at": e.at.isoformat(), "kind": e.kind, "trigger": e.trigger, "project": e.project_key,
                     "issue": e.issue_key, "rule": e.rule_id, "state": e.state, "summary": e.summary,
                     "detail": e.detail, "ruleset": e.ruleset_hash} for e in found]
    finally:
        runtime.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        what = f"{row['rule']} → {row['state']}" if row["kind"] == "result" else f"{row['kind']}: {row['state']}"
        click.echo(f"{row['at'][:19]}  {row['issue']:<10} {what:<32} {row['summary']}  [rules {row['ruleset'][:12]}]")
    click.echo(f"{len(rows)} event(s)")


@click.group("gate")
def gate_group() -> None:
    """Stage gates of projects."""


@gate_group.command("status")
@click.argument("key")
@pass_state
def gate_status_command(state: CliState, key: str) -> None:
    """The gates of a project record: state, criteria, approvals and decision."""
    from pmokit.runtime import open_runtime
    from rules.engine import evaluate

    settings = state.settings()
    gates = [r for r in settings.rules if r.kind == "gate"]
    if not gates:
        raise UsageError("the configuration has no gates (rules of kind 'gate')")
    runtime = open_runtime(settings)
    try:
        facts = runtime.facts()
    except (AtlassianError, MissingSecretError) as exc:
        raise UserError(f"gate status failed: {exc}") from None
    finally:
        runtime.close()
    record = facts.issues.get(key.upper())
    if record is None:
        raise UsageError(f"{key} is not in the store (run `pmokit sync`)")
    results = evaluate(gates, facts, None, datetime.now(UTC), language=settings.language, settings=settings,
                       issue_keys=[record.key])
    click.echo(f"{record.key} {record.summary} — phase {record.phase or '?'} ({record.status}), {date.today()}")
    if not results:
        click.echo("no gate applies to this issue (check the gates' scope)")
    labels = {"pass": "passed", "fail": "failed", "pending": "pending", "skipped": "not yet evaluated"}
    for result in results:
        click.echo(f"  {result.rule_id:<4} {labels.get(result.state.value, result.state.value):<18} {result.message}")
        for item in result.evidence:
            click.echo(f"         · {item}")
        for item in result.missing:
            click.echo(f"         ✗ {item}")
        if result.state.value in ("fail", "pending") and result.fix:
            click.echo(f"         fix: {result.fix}")

"""``pmokit gate status``: a project's gates — state, criteria, approvals and decision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

from config.problems import ConfigError
from config.rule_specs import Gate
from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, config_failure, pass_state
from .errors import UsageError, UserError


@click.group("gate")
def gate_group() -> None:
    """Stage gates of projects."""


@gate_group.command("status")
@click.argument("key")
@pass_state
def gate_status_command(state: CliState, key: str) -> None:
    """The gates of a project record: state, criteria, approvals and decision."""
    from pmokit.runtime import open_runtime
    from report_jobs.sync.snapshot import load_facts
    from rules.engine import evaluate_settings

    settings = state.settings(require_secrets=("jira", "store"))
    gates = [r for r in settings.rules if isinstance(r, Gate)]
    if not gates:
        raise UsageError("the configuration has no gates (rules of kind 'gate')")
    runtime = open_runtime(settings)
    try:
        facts = load_facts(runtime)
    except ConfigError as exc:  # an approver Jira does not know
        raise config_failure(exc) from None
    except (AtlassianError, MissingSecretError) as exc:
        raise UserError(f"gate status failed: {exc}") from None
    finally:
        runtime.close()
    record = facts.issues.get(key.upper())
    if record is None:
        raise UsageError(f"{key} is not in the store (run `pmokit sync`)")
    results = evaluate_settings(settings, facts, datetime.now(UTC), rules=gates, issue_keys=[record.key])
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

"""``pmokit doctor``: is everything pmokit needs in place? One line per check, ✓ or ✗ with the fix."""

from __future__ import annotations

import json
import sys

import click

from .context import CliState, pass_state


@click.command("doctor")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a line per check (✓ or ✗, and the fix); json: a list of {check, ok, detail, fix}.")
@click.option("--give-up-after", type=click.FloatRange(0.1, 600), default=20.0, show_default=True, metavar="SECONDS",
              help="How long each request to Jira or Confluence is retried before its check fails.")
@pass_state
def doctor_command(state: CliState, fmt: str, give_up_after: float) -> None:
    """Check the configuration against Jira, Confluence and the store: credentials, pmokit's own account and its
    permissions, fields, statuses and workflows, approvers, the parent page, the webhook, the store's migrations,
    the clock and the time zone. Exit 0 only when every check passes (warnings do not count as failures)."""
    from pmokit.doctor import CHECKS, run_checks

    settings = state.settings(require_secrets=False)  # a missing secret is a check's failure, with the others run
    findings = run_checks(settings, give_up_after=give_up_after)
    if fmt == "json":
        click.echo(json.dumps([f.as_json() for f in findings], ensure_ascii=False, indent=2))
    else:
        width = max(len(check.name) for check in CHECKS)
        for finding in findings:
            click.echo(f"{'✓' if finding.ok else '✗'} {finding.check:<{width}}  {finding.detail}")
            for warning in finding.warnings:
                click.echo(f"  warning: {warning}")
            if finding.fix:
                click.echo(f"  fix: {finding.fix}")
        failures = sum(not f.ok for f in findings)
        warnings = sum(len(f.warnings) for f in findings)
        click.echo(f"{len(findings)} checks: {len(findings) - failures} passed, {failures} failed"
                   + (f"; {warnings} warning(s), which do not count as failures" if warnings else ""))
    if not all(f.ok for f in findings):
        sys.exit(1)

"""``pmokit inbox``: the webhook inbox — what is waiting, what was done, dead letters and their error."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from sqlalchemy.orm import Session, sessionmaker

from .context import CliState, pass_state
from .errors import UsageError


@click.group("inbox")
def inbox_group() -> None:
    """The webhook inbox: pending events, what was done, dead letters."""


def _sessions(state: CliState) -> sessionmaker[Session]:
    from pmokit.store import open_store

    settings = state.settings(require_secrets=("store",))
    return open_store(settings.store.url, settings.base_dir).sessions


@inbox_group.command("list")
@click.option("--status", type=click.Choice(["pending", "done", "dead"]))
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@pass_state
def inbox_list(state: CliState, status: str | None, limit: int) -> None:
    """The newest events, one a line: id, status, attempts, event, issue, outcome."""
    from pmokit.store import inbox

    with _sessions(state)() as session:
        total = inbox.counts(session)
        for event in inbox.listing(session, status, limit):
            click.echo(f"{event.pk:>7} {event.status:<7} {event.attempts:>2} {event.received_at:%Y-%m-%d %H:%M:%S} "
                       f"{event.webhook_event:<20} {event.issue_key or event.issue_id:<12} {event.outcome[:80]}")
    click.echo(f"pending {total['pending']}, done {total['done']}, dead {total['dead']}")


@inbox_group.command("show")
@click.argument("event_id", type=int)
@pass_state
def inbox_show(state: CliState, event_id: int) -> None:
    """One event whole: its state, its last error or outcome, and the payload."""
    from pmokit.store import inbox

    with _sessions(state)() as session:
        event = inbox.get(session, event_id)
        if event is None:
            raise UsageError(f"no event {event_id} in the inbox")
        click.echo(json.dumps({
            "id": event.pk, "status": event.status, "attempts": event.attempts, "event": event.webhook_event,
            "issue": event.issue_key or event.issue_id, "actor": event.actor, "triggers": event.triggers,
            "received_at": event.received_at.isoformat(), "outcome": event.outcome,
            "payload": json.loads(event.payload)},
            ensure_ascii=False, indent=2, default=str))


@inbox_group.command("retry")
@click.argument("event_ids", type=int, nargs=-1)
@pass_state
def inbox_retry(state: CliState, event_ids: tuple[int, ...]) -> None:
    """Dead letters (these, or all) back to pending, attempts reset."""
    from pmokit.store import inbox

    with _sessions(state).begin() as session:
        count = inbox.retry(session, list(event_ids) or None)
    click.echo(f"{count} dead letter(s) queued again")


@inbox_group.command("purge")
@click.option("--status", type=click.Choice(["done", "dead"]), default="done", show_default=True)
@click.option("--older-than-days", type=click.IntRange(0, 3650), default=7, show_default=True)
@pass_state
def inbox_purge(state: CliState, status: str, older_than_days: int) -> None:
    """Delete handled events (or dead letters) received more than N days ago."""
    from pmokit.store import inbox

    with _sessions(state).begin() as session:
        count = inbox.purge(session, status, timedelta(days=older_than_days))
    click.echo(f"{count} {status} event(s) deleted")

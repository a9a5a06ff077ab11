"""``pmokit serve`` (receiver, workers, scheduler), ``pmokit worker`` (workers only) and ``pmokit inbox``."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta

import click

from .context import CliState, pass_state
from .errors import UsageError


@click.command("serve")
@click.option("--bind", metavar="HOST:PORT", help="Where to listen (default: webhooks.bind).")
@click.option("--workers", type=click.IntRange(0, 64), help="Worker threads (default: webhooks.workers).")
@click.option("--server", type=click.Choice(["granian", "waitress"]), default="granian", show_default=True,
              help="granian: receiver processes of their own (the fastest measured); waitress: all in one process.")
@click.option("--receivers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Receiver processes (granian).")
@click.option("--no-schedule", is_flag=True, help="Do not run the scheduled sync and reconcile here.")
@pass_state
def serve_command(state: CliState, bind: str | None, workers: int | None, server: str, receivers: int,
                  no_schedule: bool) -> None:
    """Receive Jira's webhooks and act on them: the receiver, the workers and the scheduler together."""
    from config import resolve_config_paths
    from pmokit.runtime import open_runtime
    from webhooks.service import Service, serve_granian

    settings = state.settings()
    runtime = open_runtime(settings)  # migrates the store before any receiver opens it
    bind = bind or settings.webhooks.bind
    count = settings.webhooks.workers if workers is None else workers
    schedule = "" if no_schedule else ", scheduled sync and reconcile on"
    try:
        if server == "waitress":
            service = Service(runtime, bind=bind, workers=workers, schedule=not no_schedule)
            click.echo(f"pmokit: receiving on {service.url}{settings.webhooks.path} (waitress) with {count} "
                       f"worker(s){schedule}", err=True)
            service.start().wait()
            return
        # The receiver processes read the same configuration files as this one.
        paths = resolve_config_paths(state.config_paths)
        os.environ["PMOKIT_CONFIG"] = os.pathsep.join(str(path.resolve()) for path in paths)
        click.echo(f"pmokit: receiving on http://{bind}{settings.webhooks.path} (granian, {receivers} "
                   f"process(es)) with {count} worker(s){schedule}", err=True)
        serve_granian(runtime, bind=bind, receivers=receivers, workers=workers, schedule=not no_schedule)
    finally:
        runtime.close()


@click.command("scheduler")
@pass_state
def scheduler_command(state: CliState) -> None:
    """Only the scheduler: sync and reconcile on the configured schedule. With several instances on one
    PostgreSQL store, exactly one runs the jobs; another takes over when it dies."""
    from pmokit.runtime import open_runtime
    from report_jobs.scheduler import Scheduler

    runtime = open_runtime(state.settings())
    scheduler = Scheduler(runtime).start()
    click.echo(f"pmokit scheduler {scheduler.holder}: {'running the jobs' if scheduler.leader else 'standing by'}",
               err=True)
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.close()
        runtime.close()


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--once", is_flag=True, help="Handle what is due, then exit.")
@pass_state
def worker_command(state: CliState, threads: int, once: bool) -> None:
    """Only workers: claim events from the inbox and act on them (run several on a PostgreSQL store)."""
    from pmokit.runtime import open_runtime
    from report_jobs.worker import Worker, drain

    runtime = open_runtime(state.settings())
    try:
        if once:
            report = drain(Worker(runtime))
            click.echo(f"handled {report.claimed} event(s): {report.done} done, {report.failed} to retry, "
                       f"{report.dead} dead")
            return
        stop = threading.Event()
        workers = [threading.Thread(target=Worker(runtime).run, args=(stop,), daemon=True) for _ in range(threads)]
        for thread in workers:
            thread.start()
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            stop.set()
        for thread in workers:
            thread.join(timeout=30)
    finally:
        runtime.close()


@click.group("inbox")
def inbox_group() -> None:
    """The webhook inbox: pending events, what was done, dead letters."""


def _sessions(state: CliState):
    from pmokit.store import make_engine, session_factory, upgrade

    settings = state.settings(require_secrets=False)
    engine = make_engine(settings.store.url, settings.base_dir)
    upgrade(engine)
    return session_factory(engine)


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

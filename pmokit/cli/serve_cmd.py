"""``pmokit serve`` (receiver, workers, scheduler), ``pmokit scheduler`` and ``pmokit worker`` (workers only)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import click

from config.problems import ConfigError
from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, config_failure, pass_state

if TYPE_CHECKING:
    from pmokit.runtime import Runtime


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
    from pmokit.supervisor import Service, serve_granian

    settings = state.settings()
    runtime = open_runtime(settings)  # migrates the store before any receiver opens it
    _approvers_known(runtime)
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


def _approvers_known(runtime: Runtime) -> None:
    """Every approver the gates name is someone on the site (else a located configuration error, exit 2); when
    Jira cannot be asked now, the workers ask when they need to."""
    try:
        runtime.approver_people()
    except ConfigError as exc:
        runtime.close()
        raise config_failure(exc) from None
    except (AtlassianError, MissingSecretError) as exc:
        click.echo(f"warning: the approvers could not be looked up in Jira yet: {exc}", err=True)


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
    from report_jobs.events.pool import WorkerPool
    from report_jobs.events.worker import Worker, drain

    runtime = open_runtime(state.settings())
    _approvers_known(runtime)
    try:
        if once:
            report = drain(Worker(runtime))
            click.echo(f"handled {report.claimed} event(s): {report.done} done, {report.failed} to retry, "
                       f"{report.dead} dead")
            return
        pool = WorkerPool(runtime, threads).start()
        try:
            while not pool.stop_event.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        pool.close(grace=30)
    finally:
        runtime.close()

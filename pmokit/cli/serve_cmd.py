"""``pmokit serve`` (receiver, workers, scheduler), ``pmokit scheduler`` and ``pmokit worker`` (workers only)."""

from __future__ import annotations

import os
import socket
import threading
from typing import TYPE_CHECKING

import click

from config.problems import ConfigError
from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, config_failure, pass_state
from .errors import UsageError, UserError

if TYPE_CHECKING:
    from config.models import Settings
    from pmokit.runtime import Runtime


def _settings(state: CliState, *, receiver: bool, schedule: bool) -> Settings:
    """The configuration with the secrets this process reads: Jira's and the store's always (the workers act on
    Jira), the webhook secret where it receives, Confluence's where it runs scheduled reports."""
    needs = ("jira", "store", *(("webhooks",) if receiver else ()))
    settings = state.settings(require_secrets=needs)
    if schedule and settings.schedule.reports and settings.confluence is not None:
        settings = state.settings(require_secrets=(*needs, "confluence"))
    return settings


def _listenable(bind: str) -> str:
    """``bind`` when this machine can listen there now; else one line that says why (a bad address or port, a
    port in use): checked before anything starts, whichever server then takes it."""
    host, sep, port = bind.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"cannot listen on '{bind}': give HOST:PORT, with a port from 0 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
            probe.bind(address)
    except OSError as exc:
        raise UserError(f"the receiver cannot listen on {bind}: {exc.strerror or exc}") from None
    return bind


@click.command("serve")
@click.option("--bind", metavar="HOST:PORT", help="Where to listen (default: webhooks.bind).")
@click.option("--workers", type=click.IntRange(0, 64), help="Worker threads (default: webhooks.workers).")
@click.option("--server", type=click.Choice(["granian", "waitress"]), default="granian", show_default=True,
              help="granian: receiver processes of their own (the fastest measured); waitress: all in one process.")
@click.option("--receivers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Receiver processes (granian).")
@click.option("--no-schedule", is_flag=True, help="Do not run the scheduled sync and reconcile here.")
@click.option("--insecure-no-signature", "insecure", is_flag=True,
              help="Receive webhooks without checking their X-Hub-Signature when webhooks.secret is unset or empty "
                   "(else pmokit serve refuses to start): anyone who reaches the receiver can then make pmokit act. "
                   "Said in the log and in /readyz.")
@pass_state
def serve_command(state: CliState, bind: str | None, workers: int | None, server: str, receivers: int,
                  no_schedule: bool, insecure: bool) -> None:
    """Receive Jira's webhooks and act on them: the receiver, the workers and the scheduler together."""
    from config import resolve_config_paths
    from pmokit.runtime import open_runtime
    from pmokit.supervisor import ReceiverStopped, Service, serve_granian
    from webhooks.app import INSECURE_FLAG, signature_problem

    settings = _settings(state, receiver=True, schedule=not no_schedule)
    unsigned = signature_problem(settings)
    if unsigned is not None and not insecure:
        raise UsageError(f"{unsigned}. Set webhooks.secret to ${{PMOKIT_WEBHOOK_SECRET}} and give Jira the same "
                         f"secret (`pmokit webhook register`), or give {INSECURE_FLAG} to receive unsigned webhooks")
    if unsigned is not None:
        click.echo(f"warning: signatures are NOT checked ({INSECURE_FLAG}): {unsigned}", err=True)
    bind = _listenable(bind or settings.webhooks.bind)
    runtime = open_runtime(settings)  # migrates the store before any receiver opens it
    _approvers_known(runtime)
    count = settings.webhooks.workers if workers is None else workers
    schedule = "" if no_schedule else ", scheduled sync and reconcile on"
    try:
        if server == "waitress":
            try:
                service = Service(runtime, bind=bind, workers=workers, schedule=not no_schedule,
                                  insecure_no_signature=insecure)
            except OSError as exc:
                raise UserError(f"the receiver cannot listen on {bind}: {exc.strerror or exc}") from None
            click.echo(f"pmokit: receiving on {service.url}{settings.webhooks.path} (waitress) with {count} "
                       f"worker(s){schedule}", err=True)
            service.start().wait()
            return
        # The receiver processes read the same configuration files as this one.
        paths = resolve_config_paths(state.config_paths)
        os.environ["PMOKIT_CONFIG"] = os.pathsep.join(str(path.resolve()) for path in paths)
        click.echo(f"pmokit: receiving on http://{bind}{settings.webhooks.path} (granian, {receivers} "
                   f"process(es)) with {count} worker(s){schedule}", err=True)
        try:
            serve_granian(runtime, bind=bind, receivers=receivers, workers=workers, schedule=not no_schedule,
                          insecure_no_signature=insecure)
        except ReceiverStopped as exc:
            raise UserError(f"{exc} (its own lines above say why)") from None
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

    runtime = open_runtime(_settings(state, receiver=False, schedule=True))
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

    runtime = open_runtime(_settings(state, receiver=False, schedule=False))
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

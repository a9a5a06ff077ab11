"""`pmokit serve`: the receiver (waitress), the workers and the scheduler in one process; `pmokit worker`
runs workers only, for scale (several processes on one PostgreSQL store share the inbox)."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from waitress.server import create_server

from report_jobs.scheduler import Scheduler

from .app import create_app
from .metrics import Metrics

log = logging.getLogger(__name__)


class Background:
    """The workers and the scheduler: what `pmokit serve` runs beside whichever server receives."""

    def __init__(self, runtime: Any, *, workers: int | None = None, schedule: bool = True, metrics: Any = None):
        from report_jobs.worker import Worker

        settings = runtime.settings
        count = settings.webhooks.workers if workers is None else workers
        self.stop_event = threading.Event()
        self.workers = [Worker(runtime, metrics=metrics) for _ in range(count)]
        self.scheduler = Scheduler(runtime) if schedule else None
        self._threads: list[threading.Thread] = []

    def start(self) -> Background:
        self._threads = [threading.Thread(target=w.run, args=(self.stop_event,), name=f"pmokit-worker-{n}",
                                          daemon=True) for n, w in enumerate(self.workers)]
        for thread in self._threads:
            thread.start()
        if self.scheduler is not None:
            self.scheduler.start()
        return self

    def close(self, grace: float = 10.0) -> None:
        """Stop taking events; give running batches ``grace`` seconds in all (an unfinished one is taken over
        by another worker when its lease runs out: effects are idempotent)."""
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.close()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def serve_granian(runtime: Any, *, bind: str, receivers: int = 1, threads: int = 8, workers: int | None = None,
                  schedule: bool = True) -> int:
    """Granian receives, in a process of its own (a fresh interpreter: a receiver forked from this one would
    drag this process's heap along); it loads the configuration named by PMOKIT_CONFIG (see
    :mod:`webhooks.wsgi`). This process runs the workers and the scheduler, and stops Granian when it stops."""
    host, _, port = bind.rpartition(":")
    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", port,
               "--workers", str(receivers), "--blocking-threads", str(threads), "--backlog", "2048",
               "--log-level", "warning", "webhooks.wsgi:app"]
    background = Background(runtime, workers=workers, schedule=schedule).start()
    receiver = subprocess.Popen(command)
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while receiver.poll() is None and not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if receiver.poll() is None:
            receiver.terminate()
            try:
                receiver.wait(30)
            except subprocess.TimeoutExpired:
                receiver.kill()
        background.close()
    return receiver.returncode or 0


class Service:
    """The receiver on waitress, in this process, with the workers and the scheduler (tests, `--server
    waitress`)."""

    def __init__(self, runtime: Any, *, bind: str | None = None, workers: int | None = None,
                 schedule: bool = True, threads: int = 8):
        from pmokit.store import inbox

        self.runtime = runtime
        settings = runtime.settings

        def counts() -> dict[str, int]:
            with runtime.sessions() as session:
                return inbox.counts(session)

        self.metrics = Metrics(counts)
        self.app = create_app(settings, runtime.sessions, self.metrics)
        host, _, port = (bind or settings.webhooks.bind).rpartition(":")
        self.server = create_server(self.app, host=host, port=int(port), threads=threads, ident="pmokit",
                                    connection_limit=1000, channel_timeout=60)
        self.port = int(self.server.effective_port)
        self.url = f"http://{host}:{self.port}"
        self.background = Background(runtime, workers=workers, schedule=schedule, metrics=self.metrics)
        self.workers = self.background.workers
        self._thread: threading.Thread | None = None

    def start(self) -> Service:
        self._thread = threading.Thread(target=self.server.run, name="pmokit-receiver", daemon=True)
        self._thread.start()
        self.background.start()
        log.info("pmokit listening on %s%s with %d worker(s)", self.url, self.runtime.settings.webhooks.path,
                 len(self.workers))
        return self

    def wait(self) -> None:
        with contextlib.suppress(KeyboardInterrupt):
            while not self.background.stop_event.wait(1.0):
                pass
        self.close()

    def close(self) -> None:
        self.background.close()
        with contextlib.suppress(Exception):
            self.server.close()

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def scheduled_sync(runtime: Any, *, reconcile: bool) -> None:
    """A scheduled sync; the reconcile also re-evaluates and enforces the whole portfolio (what webhooks missed)."""
    from report_jobs.enforce import enforce
    from report_jobs.sync import Syncer

    syncer = Syncer(runtime.settings, runtime.jira, runtime.sessions, runtime.jira_transport.accounting)
    try:
        summary = syncer.reconcile() if reconcile else syncer.incremental()
        log.info("scheduled %s: %s", "reconcile" if reconcile else "sync", summary.line())
        if reconcile:
            facts = runtime.facts()
            done = enforce(runtime, facts, list(facts.issues), trigger="reconcile",
                           action_limit=runtime.settings.webhooks.max_actions_per_hour)
            log.info("reconcile enforced: %d action(s)", len(done.applied))
    except Exception:
        log.exception("the scheduled %s failed; it runs again at its next time", "reconcile" if reconcile else "sync")

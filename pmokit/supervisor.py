"""The process supervisor behind ``pmokit serve``: the receiver (granian processes of their own, or waitress in
this process), the worker threads and the scheduler, started together and stopped together."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

from waitress.server import BaseWSGIServer, create_server

from report_jobs.events.pool import WorkerPool
from report_jobs.scheduler import Scheduler
from webhooks.app import INSECURE_ENV, MAX_BODY, create_app
from webhooks.metrics import Metrics, enable_multiprocess

from .runtime import Runtime
from .store import inbox

log = logging.getLogger(__name__)


class ReceiverStopped(Exception):
    """The receiver's process ended by itself (it could not start, or it died): `pmokit serve` stops too."""

    def __init__(self, code: int | None):
        super().__init__(f"the receiver (granian) stopped by itself with exit code {code}")
        self.code = code


class Background:
    """The workers and the scheduler: what `pmokit serve` runs beside whichever server receives."""

    def __init__(self, runtime: Runtime, *, workers: int | None = None, schedule: bool = True,
                 metrics: Metrics | None = None):
        count = runtime.settings.webhooks.workers if workers is None else workers
        self.pool = WorkerPool(runtime, count, metrics=metrics)
        self.stop_event = self.pool.stop_event
        self.workers = self.pool.workers
        self.scheduler = Scheduler(runtime) if schedule else None

    def start(self) -> Background:
        self.pool.start()
        if self.scheduler is not None:
            self.scheduler.start()
        return self

    def close(self, grace: float = 10.0) -> None:
        """Stop taking events and stand the scheduler down; running batches get ``grace`` seconds in all."""
        self.stop_event.set()
        if self.scheduler is not None:
            self.scheduler.close()
        self.pool.close(grace)


def serve_granian(runtime: Runtime, *, bind: str, receivers: int = 1, workers: int | None = None,
                  schedule: bool = True, insecure_no_signature: bool = False) -> None:
    """Granian receives, in a process of its own (a fresh interpreter: a receiver forked from this one would
    drag this process's heap along); it loads the configuration named by PMOKIT_CONFIG (see
    :mod:`webhooks.asgi`). This process runs the workers and the scheduler, and stops Granian when it stops;
    :class:`ReceiverStopped` when Granian stops by itself (it could not listen, or its receiver could not start)."""
    host, _, port = bind.rpartition(":")
    settings = runtime.settings.webhooks
    # ASGI: a body is awaited on the event loop (under webhooks.body_timeout_seconds), not in a thread, so slow
    # clients cannot take the threads that persist events (webhooks.receiver_threads, in webhooks.asgi).
    header_timeout_ms = str(int(settings.body_timeout_seconds * 1000))
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--no-ws",
               "--host", host, "--port", port, "--workers", str(receivers), "--backlog", "2048",
               "--backpressure", "4096", "--http1-header-read-timeout", header_timeout_ms, "--loop", "auto",
               "--log-level", "warning", "webhooks.asgi:from_environment"]
    # The workers count here, the receivers in their processes: one directory of metrics files for them all.
    metrics_dir = tempfile.mkdtemp(prefix="pmokit-metrics-")
    enable_multiprocess(metrics_dir)
    background = Background(runtime, workers=workers, schedule=schedule, metrics=Metrics()).start()
    environment = {key: value for key, value in os.environ.items() if key != INSECURE_ENV}
    if insecure_no_signature:
        environment[INSECURE_ENV] = "1"
    receiver = subprocess.Popen(command, env=environment)
    stopping = threading.Event()
    ended_itself = False
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while receiver.poll() is None and not stopping.wait(0.5):
            pass
        ended_itself = receiver.poll() is not None and not stopping.is_set()
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
        shutil.rmtree(metrics_dir, ignore_errors=True)
    if ended_itself:
        raise ReceiverStopped(receiver.returncode)


class Service:
    """The receiver on waitress, in this process, with the workers and the scheduler (tests, `--server
    waitress`)."""

    def __init__(self, runtime: Runtime, *, bind: str | None = None, workers: int | None = None,
                 schedule: bool = True, threads: int = 8, insecure_no_signature: bool = False):
        self.runtime = runtime
        settings = runtime.settings

        def counts() -> dict[str, int]:
            with runtime.sessions() as session:
                return inbox.counts(session)

        self.metrics = Metrics(counts)
        self.app = create_app(settings, runtime.sessions, self.metrics, insecure_no_signature=insecure_no_signature)
        host, _, port = (bind or settings.webhooks.bind).rpartition(":")
        self.server = create_server(self.app, host=host, port=int(port), threads=threads, ident="pmokit",
                                    connection_limit=1000, channel_timeout=60,
                                    max_request_body_size=MAX_BODY)  # waitress buffers bodies before a thread
        assert isinstance(self.server, BaseWSGIServer), "one address, one socket"
        # effective_port: set when the socket is bound (not in waitress's stubs).
        self.port = int(self.server.effective_port)  # type: ignore[attr-defined]
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

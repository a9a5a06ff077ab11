"""Worker threads over one inbox: ``pmokit serve``, ``pmokit worker --threads N`` and the demo run this pool."""

from __future__ import annotations

import threading
import time

from pmokit.runtime import Runtime
from webhooks.metrics import Metrics

from .worker import Worker


class WorkerPool:
    def __init__(self, runtime: Runtime, count: int, *, metrics: Metrics | None = None):
        self.stop_event = threading.Event()
        self.workers = [Worker(runtime, metrics=metrics) for _ in range(count)]
        self._threads: list[threading.Thread] = []

    def start(self) -> WorkerPool:
        self._threads = [threading.Thread(target=worker.run, args=(self.stop_event,), name=f"pmokit-worker-{n}",
                                          daemon=True) for n, worker in enumerate(self.workers)]
        for thread in self._threads:
            thread.start()
        return self

    def close(self, grace: float = 10.0) -> None:
        """Stop taking events; give running batches ``grace`` seconds in all (an unfinished one is taken over
        by another worker when its lease runs out: effects are idempotent)."""
        self.stop_event.set()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

"""Group commit: the receiver's threads hand events to one writer thread, which persists them in batches.

A request still gets its answer only after its event is committed (nothing is acknowledged that could be lost),
but one transaction carries every event that arrived meanwhile: far fewer commits, and on SQLite no lock
contention between request threads.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pmokit.store import inbox

log = logging.getLogger(__name__)


class GroupCommit:
    def __init__(self, sessions: sessionmaker[Session], max_batch: int = 500,
                 on_start: Callable[[], object] | None = None):
        """``on_start`` runs with the writer's first use, in the process that serves (after any fork)."""
        self.sessions, self.max_batch, self.on_start = sessions, max_batch, on_start
        self._queue: queue.SimpleQueue[tuple[inbox.Incoming, Future[bool]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pmokit-inbox-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def submit(self, event: inbox.Incoming, timeout: float = 30.0) -> bool:
        """Persist ``event``; True if new, False if a duplicate. Raises what the store raised."""
        return self.enqueue(event).result(timeout)

    def enqueue(self, event: inbox.Incoming) -> Future[bool]:
        """Persist ``event`` with the next batch; the future says whether it was new (or raises the store's
        error). An event loop awaits it without holding a thread."""
        with self._lock:
            if not self._started:  # started on first use: after a server forks its workers
                if self.on_start is not None:
                    self.on_start()
                self._thread.start()
                self._started = True
        done: Future[bool] = Future()
        self._queue.put((event, done))
        return done

    def close(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[tuple[inbox.Incoming, Future[bool]]]) -> None:
        try:
            with self.sessions.begin() as session:
                new = inbox.enqueue_many(session, [event for event, _ in batch], datetime.now(UTC))
        except Exception as exc:
            if len(batch) > 1 and not isinstance(exc, OperationalError):
                # One event the store refuses must not fail the others that shared its commit: each alone.
                # (A store that is down fails them all, at once.)
                log.warning("a batch of %d webhook events failed (%s): writing them one by one", len(batch),
                            exc.__class__.__name__)
                for item in batch:
                    self._write([item])
                return
            log.error("could not persist a webhook event: %s", exc.__class__.__name__)
            _settle(batch[0][1], exception=exc)
            return
        for event, done in batch:
            _settle(done, result=new.pop(event.dedupe_key, None) is event)


def _settle(done: Future[bool], *, result: bool = False, exception: BaseException | None = None) -> None:
    """Answer one waiting request. Its waiter may have given up (an event loop cancels the future it stopped
    awaiting): setting a cancelled future raises, and must not end the writer thread with it."""
    try:
        if exception is not None:
            done.set_exception(exception)
        else:
            done.set_result(result)
    except InvalidStateError:
        pass

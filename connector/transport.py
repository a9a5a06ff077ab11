"""The HTTP layer under both Atlassian libraries: pacing, one retry policy, and request accounting.

:class:`PolicyAdapter` is mounted on the ``requests`` sessions of the ``jira`` library and of
atlassian-python-api (whose own retries are switched off), so every call — whichever library makes it —
is paced, retried and counted the same way. A rate limit seen by one call holds back every call on the
same site until it allows (:class:`Gate`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import GaveUp
from .retry import RetryPolicy, wait_before_retry

log = logging.getLogger(__name__)


@dataclass
class Accounting:
    """What the connector sent and what came back, for summaries and benchmarks."""

    requests: int = 0
    throttled: int = 0
    server_errors: int = 0
    connection_errors: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    retry_after_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            return {"requests": self.requests, "throttled": self.throttled, "server_errors": self.server_errors,
                    "connection_errors": self.connection_errors, "retries": self.retries,
                    "waited_seconds": round(self.waited_seconds, 3),
                    "retry_after_seconds": round(self.retry_after_seconds, 3)}


class Gate:
    """Client-side pacing (requests per second) and the earliest time the next request may go out."""

    def __init__(self, requests_per_second: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self.clock, self.sleep = clock, sleep
        self._next_slot = 0.0
        self._not_before = 0.0
        self._lock = threading.Lock()

    def hold_until(self, moment: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, moment)

    def wait_turn(self) -> float:
        """Sleep until this request may go; returns the seconds slept."""
        with self._lock:
            now = self.clock()
            start = max(now, self._not_before, self._next_slot)
            self._next_slot = start + self.interval
        delay = start - now
        if delay > 0:
            self.sleep(delay)
        return max(delay, 0.0)


class PolicyAdapter(HTTPAdapter):
    """An HTTPAdapter that paces, retries by :class:`RetryPolicy`, and counts every request."""

    def __init__(self, policy: RetryPolicy, gate: Gate, accounting: Accounting, **kwargs: Any):
        super().__init__(pool_connections=4, pool_maxsize=16, max_retries=0, **kwargs)
        self.policy, self.gate, self.accounting = policy, gate, accounting

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        started = self.gate.clock()
        attempt = 0
        while True:
            attempt += 1
            waited = self.gate.wait_turn()
            with self.accounting.lock:
                self.accounting.requests += 1
                self.accounting.waited_seconds += waited
            status: int | None
            try:
                response = super().send(request, **kwargs)
                status = response.status_code
            except (requests.ConnectionError, requests.Timeout) as exc:
                response, status = None, None
                with self.accounting.lock:
                    self.accounting.connection_errors += 1
                failure = f"{exc.__class__.__name__}: {exc}"
            if response is not None and status not in self.policy.retry_statuses:
                return response
            headers = response.headers if response is not None else {}
            if response is not None:
                failure = f"HTTP {status}"
                with self.accounting.lock:
                    if status == 429:
                        self.accounting.throttled += 1
                    else:
                        self.accounting.server_errors += 1
            wait, why = wait_before_retry(self.policy, status, headers, attempt)
            elapsed = self.gate.clock() - started
            if attempt >= self.policy.max_attempts or elapsed + wait > self.policy.max_elapsed:
                raise GaveUp(f"{request.method} {_safe_url(request.url)} failed after {attempt} attempt(s) over "
                             f"{elapsed:.0f}s: {failure}", status=status, url=_safe_url(request.url))
            if "Retry-After" in why or "resets" in why:
                with self.accounting.lock:
                    self.accounting.retry_after_seconds += wait
            with self.accounting.lock:
                self.accounting.retries += 1
            log.info("%s %s: %s; retrying in %.2fs (%s)", request.method, _safe_url(request.url), failure, wait, why)
            if response is not None:
                response.close()
            # Every request to this site waits, not only this one: retrying early earns a longer wait.
            self.gate.hold_until(self.gate.clock() + wait)


def _safe_url(url: str | None) -> str:
    """The URL without query string (which may carry search text) and never with credentials."""
    if not url:
        return ""
    base = url.split("?", 1)[0]
    if "@" in base.split("//", 1)[-1].split("/", 1)[0]:
        scheme, rest = base.split("//", 1)
        base = f"{scheme}//{rest.split('@', 1)[1]}"
    return base


def install(session: requests.Session, adapter: PolicyAdapter) -> None:
    session.mount("http://", adapter)
    session.mount("https://", adapter)

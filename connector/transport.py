"""The HTTP layer under both Atlassian libraries: pacing, one retry policy, and request accounting.

:class:`PolicyAdapter` is mounted on the ``requests`` sessions of the ``jira`` library and of
atlassian-python-api (whose own retries are switched off), so every call — whichever library makes it —
is paced, retried and counted the same way. A rate limit seen by one call holds back every call on the
same site until it allows (:class:`Gate`).

Which requests are sent again
-----------------------------
A write may have been applied even when it failed: Jira and Confluence answer a 5xx, or a proxy gives up, or
the client's time-out passes, after the request was carried out. Sending such a write again would make it twice
(two comments, a transition taken twice, two pages). So every request has a kind, :class:`RequestKind`, which
says what happens once it was sent and its answer was lost (a read time-out, the connection closed after sending)
or was a 5xx:

- ``READ`` changes nothing — every GET, and the POSTs that only read (``search/jql``, ``issue/bulkfetch``,
  ``changelog/bulkfetch``, a POST to Data Center's ``search``): retried, as before.
- ``IDEMPOTENT`` — doing it twice is doing it once: the PUT of a comment's body, DELETE, Confluence's
  ``PUT child/attachment`` (create or update), adding page labels: retried, as before.
- ``WRITE`` — anything else that changes something: the POST of a comment, a transition, an issue, a page, a
  webhook; the PUT of an issue's fields and labels (which the writer checks before it acts): not sent again;
  :class:`~connector.errors.OutcomeUnknown` at once, naming the request, and the caller reads before it
  decides to write again (``connector.jira_writer``, ``connector.publisher``).

Whatever the kind, a 429 (refused, so not applied) and a connection never made (refused, a connect time-out:
nothing was sent) are retried as the policy says.

The connector says which kind a request is: ``JiraConnector.request`` and ``ConfluenceConnector.request`` take
``kind=`` and send it in the header ``X-Pmokit-Request-Kind``, which :class:`PolicyAdapter` takes off before the
request leaves (Atlassian never sees it). A request without it is judged by its method, as HTTP defines them:
GET, HEAD and OPTIONS read; PUT and DELETE are idempotent; POST and PATCH write. So a POST is never sent twice
unless the code that makes it says it only reads.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from .errors import GaveUp, OutcomeUnknown
from .retry import RetryPolicy, wait_before_retry

log = logging.getLogger(__name__)
KIND_HEADER = "X-Pmokit-Request-Kind"


class RequestKind(enum.Enum):
    """What sending a request twice would do (see the module's table)."""

    READ = "read"
    IDEMPOTENT = "idempotent"
    WRITE = "write"

    @property
    def header(self) -> dict[str, str]:
        """The header that marks a request with this kind (taken off again by :class:`PolicyAdapter`)."""
        return {KIND_HEADER: self.value}


BY_METHOD = {"GET": RequestKind.READ, "HEAD": RequestKind.READ, "OPTIONS": RequestKind.READ,
             "PUT": RequestKind.IDEMPOTENT, "DELETE": RequestKind.IDEMPOTENT}


def kind_of(request: requests.PreparedRequest) -> RequestKind:
    """The request's kind, from its mark (removed from the request) or else from its method."""
    mark = request.headers.pop(KIND_HEADER, None)
    if mark is not None:
        return RequestKind(mark)
    return BY_METHOD.get((request.method or "GET").upper(), RequestKind.WRITE)


def never_sent(exc: Exception) -> bool:
    """True when the request cannot have reached the server: the connection was never made (refused, no such
    host, a connect time-out). A read time-out, or a connection closed after sending, may follow a request the
    server carried out."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError carries the cause
    return isinstance(reason, NewConnectionError)


@dataclass
class Accounting:
    """What the connector sent and what came back, for summaries and benchmarks."""

    requests: int = 0
    throttled: int = 0
    server_errors: int = 0
    connection_errors: int = 0
    outcome_unknown: int = 0  # writes not sent again because their answer was lost or a 5xx
    retries: int = 0
    waited_seconds: float = 0.0
    retry_after_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            return {"requests": self.requests, "throttled": self.throttled, "server_errors": self.server_errors,
                    "connection_errors": self.connection_errors, "outcome_unknown": self.outcome_unknown,
                    "retries": self.retries,
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
        kind = kind_of(request)
        started = self.gate.clock()
        attempt = 0
        while True:
            attempt += 1
            waited = self.gate.wait_turn()
            with self.accounting.lock:
                self.accounting.requests += 1
                self.accounting.waited_seconds += waited
            status: int | None
            sent = True
            try:
                response = super().send(request, **kwargs)
                if not kwargs.get("stream"):
                    # Read the body here: an answer lost half-way is judged like one lost before it began.
                    _ = response.content
                status = response.status_code
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                response, status = None, None
                sent = not never_sent(exc)
                with self.accounting.lock:
                    self.accounting.connection_errors += 1
                failure = f"{exc.__class__.__name__}: {_without_query(str(exc))}"
            if response is not None and status not in self.policy.retry_statuses and not (
                    kind is RequestKind.WRITE and status is not None and status >= 500):
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
            told = "Retry-After" in why or "resets" in why
            if kind is RequestKind.WRITE and sent and status != 429:
                if told:  # the next request (the caller's read) waits as the server asked
                    self.gate.hold_until(self.gate.clock() + wait)
                with self.accounting.lock:
                    self.accounting.outcome_unknown += 1
                if response is not None:
                    response.close()
                raise OutcomeUnknown(f"{request.method} {_safe_url(request.url)}: outcome unknown after {failure} "
                                     f"(it may have been applied, so it is not sent again blindly)",
                                     method=request.method or "", status=status, url=_safe_url(request.url))
            elapsed = self.gate.clock() - started
            remaining = self.policy.max_elapsed - elapsed
            if not told and 0 < remaining < wait:
                wait = remaining  # one last try at the deadline, rather than giving up before it
            counted_out = self.policy.max_attempts is not None and attempt >= self.policy.max_attempts
            if counted_out or remaining <= 0 or wait > remaining:
                raise GaveUp(f"{request.method} {_safe_url(request.url)} failed after {attempt} attempt(s) over "
                             f"{elapsed:.0f}s: {failure}", status=status, url=_safe_url(request.url))
            if told:
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


def _without_query(text: str) -> str:
    """An exception's words without the query string of any URL in them (urllib3 names the path it tried)."""
    return re.sub(r"(url: [^?\s]*)\?\S*", r"\1", text)


def install(session: requests.Session, adapter: PolicyAdapter) -> None:
    session.mount("http://", adapter)
    session.mount("https://", adapter)

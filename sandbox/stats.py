"""What the sandbox was asked and what it answered, for tests and benchmarks (``GET /_sandbox/stats``)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.responses: Counter[str] = Counter()
            self.writes: Counter[str] = Counter()
            self.deliveries: Counter[str] = Counter()
            self.after_applying_answers: Counter[str] = Counter()
            self.throttled = 0
            self.unavailable = 0
            self.retry_after_sent: list[float] = []
            self.not_before = 0.0  # monotonic time before which a 429's Retry-After forbids requests
            self.early = 0  # requests that came before a Retry-After allowed them

    def request(self, route: str) -> None:
        with self._lock:
            self.requests[route] += 1

    def response(self, status: int) -> None:
        with self._lock:
            self.responses[str(status)] += 1
            if status == 429:
                self.throttled += 1
            elif status == 503:
                self.unavailable += 1

    def retry_after(self, seconds: float, allowed_at: float | None = None) -> None:
        with self._lock:
            self.retry_after_sent.append(seconds)
            if allowed_at is not None:
                self.not_before = max(self.not_before, allowed_at)

    def arrival(self, now: float) -> None:
        with self._lock:
            if now < self.not_before:
                self.early += 1

    def write(self, kind: str, count: int = 1) -> None:
        with self._lock:
            self.writes[kind] += count

    def delivery(self, outcome: str) -> None:
        with self._lock:
            self.deliveries[outcome] += 1

    def after_applying(self, answer: str) -> None:
        with self._lock:
            self.after_applying_answers[answer] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "requests_total": sum(self.requests.values()),
                "responses": dict(self.responses),
                "throttled_429": self.throttled,
                "unavailable_503": self.unavailable,
                "retry_after_seconds": list(self.retry_after_sent),
                "early_requests": self.early,
                "writes": dict(self.writes),
                "writes_total": sum(self.writes.values()),
                "webhook_deliveries": dict(self.deliveries),
                "answers_after_applying": dict(self.after_applying_answers),
            }

"""The retry policy of every Atlassian call: what to retry, and how long to wait before the next try.

Rules: honour ``Retry-After`` in every form (seconds, an HTTP date, ``0``, missing; an absurd value is capped);
on quota reasons wait for ``X-RateLimit-Reset``; otherwise back off exponentially with full jitter.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_elapsed: float = 300.0  # give up after this long in all (jira/confluence.give_up_after_seconds)
    max_attempts: int | None = None  # unset: as many as fit in max_elapsed (a count would end a long outage early)
    base_backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 900.0  # cap on what a server may ask us to wait
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential backoff with full jitter for ``attempt`` (1 for the first retry)."""
        ceiling = min(self.max_backoff, self.base_backoff * (2 ** (attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, or ``None`` when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    # An HTTP date has whole seconds: waiting until it has passed means rounding up.
    return max(math.ceil((when - (now or datetime.now(UTC))).total_seconds()), 0.0)


def parse_reset(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (an ISO 8601 timestamp), or ``None``."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def wait_before_retry(policy: RetryPolicy, status: int | None, headers: Mapping[str, str], attempt: int,
                      rng: random.Random | None = None) -> tuple[float, str]:
    """How long to wait before retrying, and why (for the log)."""
    retry_after = parse_retry_after(headers.get("Retry-After")) if status is not None else None
    reset = parse_reset(headers.get("X-RateLimit-Reset")) if status is not None else None
    reason = headers.get("RateLimit-Reason", "")
    if retry_after is not None and retry_after > 0:
        return min(retry_after, policy.max_retry_after), f"Retry-After {retry_after:g}s"
    if status == 429 and reset is not None and ("quota" in reason or retry_after is None or retry_after == 0):
        # A quota resets at a given time; a zero or missing Retry-After says nothing better.
        return min(reset, policy.max_retry_after), f"rate limit resets in {reset:.1f}s ({reason or 'no reason'})"
    return policy.backoff(attempt, rng), "backoff"

"""Misbehaviour on purpose: latency, rate limits (429 with every Retry-After form), 503 bursts, an hourly
points quota, Confluence 409s, webhook delivery failures, and answers lost after a request was applied (late,
dropped, or a 5xx). Set at start or through ``/_sandbox/faults``.
"""

from __future__ import annotations

import fnmatch
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

RETRY_AFTER_FORMS = ("seconds", "http-date", "zero", "missing")
# What a request gets after it was applied: its answer held back (the client may time out first), no answer at
# all (the connection closed), or a server error in place of the answer. Real Jira and Confluence do each of
# these when a proxy or a node gives up on a request the application had already carried out.
AFTER_APPLYING_ANSWERS = ("late", "drop", "500", "502", "503", "504")


@dataclass
class RateLimit:
    """A token bucket for the requests whose ``"METHOD /route"`` matches ``match`` (shell-style)."""

    match: str = "*"
    rate: float = 5.0  # tokens per second
    burst: float = 5.0
    retry_after: str = "seconds"  # seconds | http-date | zero | missing
    reason: str = "jira-burst-based"
    tokens: float = field(default=-1.0, repr=False)
    stamp: float = field(default=0.0, repr=False)

    def take(self, now: float) -> float:
        """0 when a token was available, else the seconds until one will be."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class AfterApplying:
    """For requests whose ``"METHOD /route"`` matches ``match``: handle them, then answer as ``answer`` says."""

    match: str = "*"
    answer: str = "late"  # late | drop | 500 | 502 | 503 | 504
    delay_ms: float = 0.0  # how long a late answer is held back
    count: int = 0  # how many matching requests (0: every one)
    user: str = ""  # only requests of this user (name, email or account id); "": anyone's
    applied_only: bool = False  # only answers that say the write was made (2xx): apply_then_fail's
    taken: int = field(default=0, repr=False)

    @classmethod
    def parse(cls, item: Any) -> AfterApplying:
        if not isinstance(item, dict):
            raise ValueError("after_applying takes a list of objects")
        unknown = set(item) - {"match", "answer", "delay_ms", "count", "user"}
        if unknown:
            raise ValueError(f"unknown after_applying keys: {', '.join(sorted(unknown))}")
        rule = cls(match=str(item.get("match", "*")), answer=str(item.get("answer", "late")),
                   delay_ms=float(item.get("delay_ms", 0)), count=int(item.get("count", 0)),
                   user=str(item.get("user") or ""))
        if rule.answer not in AFTER_APPLYING_ANSWERS:
            raise ValueError(f"after_applying answer must be one of {', '.join(AFTER_APPLYING_ANSWERS)}")
        if rule.delay_ms < 0 or rule.count < 0:
            raise ValueError("after_applying needs delay_ms >= 0 and count >= 0")
        if rule.answer == "late" and rule.delay_ms == 0:
            raise ValueError("a late answer needs delay_ms > 0")
        return rule


@dataclass
class Decision:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    wait: float = 0.0

    def allowed_after(self) -> float | None:
        """Seconds until the Retry-After sent allows the next request (None: it allows any time)."""
        value = self.headers.get("Retry-After")
        if value is None or value == "0":
            return None
        if value.isdigit():
            return float(value)
        from email.utils import parsedate_to_datetime

        return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)


class Faults:
    def __init__(self, spec: dict[str, Any] | None = None):
        self._lock = threading.Lock()
        self.configure(spec or {})

    def configure(self, spec: dict[str, Any]) -> None:
        """Replace every fault with those in ``spec`` (see docs/sandbox.md for the keys)."""
        unknown = set(spec) - {"latency_ms", "route_latency_ms", "rate_limits", "unavailable", "quota",
                               "confluence_conflicts", "webhook_failures", "after_applying", "apply_then_fail"}
        if unknown:
            raise ValueError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        limits = []
        for item in spec.get("rate_limits") or []:
            limit = RateLimit(**{k: v for k, v in item.items() if k in ("match", "rate", "burst", "retry_after",
                                                                         "reason")})
            if limit.retry_after not in RETRY_AFTER_FORMS:
                raise ValueError(f"retry_after must be one of {', '.join(RETRY_AFTER_FORMS)}")
            if limit.rate <= 0 or limit.burst < 1:
                raise ValueError("a rate limit needs rate > 0 and burst >= 1")
            limits.append(limit)
        after = spec.get("after_applying") or []
        if not isinstance(after, list):
            raise ValueError("after_applying takes a list of objects")
        after_applying = [AfterApplying.parse(item) for item in after]
        # apply_then_fail: the write is applied, then the client gets a 5xx (503 unless said) or a dropped
        # connection — after_applying without the late answer.
        failing = spec.get("apply_then_fail") or []
        if not isinstance(failing, list) or not all(isinstance(item, dict) for item in failing):
            raise ValueError("apply_then_fail takes a list of objects")
        for item in failing:
            rule = AfterApplying.parse({"answer": "503", **item})
            rule.applied_only = True
            if rule.answer == "late":
                raise ValueError("apply_then_fail answers 500, 502, 503, 504 or drop (a late answer is "
                                 "after_applying's)")
            after_applying.append(rule)
        unavailable = dict(spec.get("unavailable") or {})
        quota = dict(spec.get("quota") or {})
        with self._lock:
            self.spec = spec
            self.latency_ms = float(spec.get("latency_ms") or 0)
            self.route_latency = {str(k): float(v) for k, v in (spec.get("route_latency_ms") or {}).items()}
            self.rate_limits = limits
            # 503 bursts: `count` answers in a row, every `every` matching requests (or once).
            self.unavailable_match = unavailable.get("match", "*")
            self.unavailable_count = int(unavailable.get("count", 0))
            self.unavailable_every = int(unavailable.get("every", 0))
            self.unavailable_seen = 0
            self.quota_points = int(quota.get("points_per_hour", 0))
            self.quota_costs = {"GET": 1, "POST": 2, "PUT": 2, "DELETE": 2} | dict(quota.get("costs") or {})
            self.quota_used = 0
            self.quota_hour = self._hour()
            self.conflicts = int(spec.get("confluence_conflicts", 0))
            self.webhook_failures = int(spec.get("webhook_failures", 0))
            self.after_applying_rules = after_applying

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {**self.spec, "remaining": {"confluence_conflicts": self.conflicts,
                                               "webhook_failures": self.webhook_failures,
                                               "quota_points_used": self.quota_used}}

    @staticmethod
    def _hour() -> datetime:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def latency(self, route: str) -> float:
        for pattern, ms in self.route_latency.items():
            if fnmatch.fnmatchcase(route, pattern):
                return ms / 1000
        return self.latency_ms / 1000

    def check(self, route: str, method: str) -> Decision | None:
        """A refusal to send instead of the real answer, or None to go ahead."""
        with self._lock:
            if self.unavailable_count and fnmatch.fnmatchcase(route, self.unavailable_match):
                self.unavailable_seen += 1
                period = self.unavailable_every or 0
                position = (self.unavailable_seen - 1) % period if period else self.unavailable_seen - 1
                if position < self.unavailable_count:
                    return Decision(503, {"Retry-After": "1"}, {"errorMessages": ["Service Unavailable"]}, 1.0)
            if self.quota_points:
                hour = self._hour()
                if hour != self.quota_hour:
                    self.quota_hour, self.quota_used = hour, 0
                cost = int(self.quota_costs.get(method, 1))
                if self.quota_used + cost > self.quota_points:
                    reset = hour + timedelta(hours=1)
                    wait = max((reset - datetime.now(UTC)).total_seconds(), 1)
                    return Decision(429, {"Retry-After": str(math.ceil(wait)),
                                          "RateLimit-Reason": "jira-quota-global-based",
                                          "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
                                          "X-RateLimit-Limit": str(self.quota_points),
                                          "X-RateLimit-Remaining": "0"},
                                    {"errorMessages": ["Rate limit exceeded."]}, wait)
                self.quota_used += cost
            now = time.monotonic()
            for limit in self.rate_limits:
                if not fnmatch.fnmatchcase(route, limit.match):
                    continue
                wait = limit.take(now)
                if wait > 0:
                    return Decision(429, self._retry_headers(limit, wait),
                                    {"errorMessages": ["Rate limit exceeded."]}, wait)
        return None

    @staticmethod
    def _retry_headers(limit: RateLimit, wait: float) -> dict[str, str]:
        reset = datetime.now(UTC) + timedelta(seconds=wait)
        headers = {"RateLimit-Reason": limit.reason,
                   "X-RateLimit-Reset": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                   "X-RateLimit-Limit": str(int(limit.burst)), "X-RateLimit-Remaining": "0"}
        if limit.retry_after == "seconds":
            headers["Retry-After"] = str(math.ceil(wait))
        elif limit.retry_after == "http-date":
            # HTTP dates have whole seconds: round up so a client that honours it is never early.
            headers["Retry-After"] = format_datetime(reset.replace(microsecond=0) + timedelta(seconds=1), usegmt=True)
        elif limit.retry_after == "zero":
            headers["Retry-After"] = "0"
        return headers

    def after_applying(self, route: str, caller: tuple[str, ...] = (), status: int = 200) -> AfterApplying | None:
        """The first rule for ``route`` (and ``caller``: the user's account id, name and email) that still applies
        (a counted rule is used up by its matches), or None."""
        with self._lock:
            for rule in self.after_applying_rules:
                if not fnmatch.fnmatchcase(route, rule.match):
                    continue
                if rule.user and rule.user not in caller:
                    continue
                if rule.applied_only and not 200 <= status < 300:
                    continue  # a refused write was not applied: its answer stands
                if rule.count and rule.taken >= rule.count:
                    continue
                rule.taken += 1
                return rule
        return None

    def take_conflict(self) -> bool:
        with self._lock:
            if self.conflicts > 0:
                self.conflicts -= 1
                return True
            return False

    def take_webhook_failure(self) -> bool:
        with self._lock:
            if self.webhook_failures > 0:
                self.webhook_failures -= 1
                return True
            return False

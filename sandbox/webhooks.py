"""Webhook deliveries shaped like Jira's (per flavour), signed, identified, and retried like Jira Cloud.

Jira Cloud names the lane a delivery went by (``X-Atlassian-Webhook-Flow``): ``Primary`` for the event itself,
``Secondary`` for the fallout of a cascading change (deleting an issue sends ``jira:issue_deleted`` as primary
and a ``comment_deleted`` for each of its comments as secondary). A failed delivery is tried again after its
backoff and up to ``retry_spread`` seconds more, drawn at random: retries come late, after later events (Jira
Cloud: "up to 30 minutes").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from . import jql
from .model import SIssue, SiteState, SWebhook
from .render import Renderer

log = logging.getLogger(__name__)
RETRY_STATUSES = {408, 409, 425, 429} | set(range(500, 600))
PRIMARY, SECONDARY = "Primary", "Secondary"


@dataclass(order=True)
class Delivery:
    due: float
    seq: int
    webhook_id: int = field(compare=False)
    body: bytes = field(compare=False)
    identifier: str = field(compare=False)
    attempt: int = field(default=0, compare=False)
    flow: str = field(default=PRIMARY, compare=False)


class Dispatcher:
    """Sends deliveries from worker threads; failed ones come back after a backoff and a random part of
    ``retry_spread`` seconds, up to ``max_attempts``."""

    def __init__(self, site: Any, workers: int = 4, timeout: float = 10.0, backoff: float = 0.5,
                 max_attempts: int = 5, retry_spread: float = 0.5):
        self.site, self.timeout, self.backoff, self.max_attempts = site, timeout, backoff, max_attempts
        self.retry_spread = retry_spread
        self._random = random.Random()
        self._queue: queue.PriorityQueue[Delivery] = queue.PriorityQueue()
        self._pending = 0
        self._cond = threading.Condition()
        self._seq = 0
        self._stop = threading.Event()
        self._session = requests.Session()
        self._threads = [threading.Thread(target=self._run, name=f"sandbox-webhook-{n}", daemon=True)
                         for n in range(workers)]
        for thread in self._threads:
            thread.start()

    # -- events ---------------------------------------------------------------------------------------
    def emit(self, event: str, body: dict[str, Any], issue: SIssue | None, flow: str = PRIMARY) -> int:
        """Queue ``body`` for every enabled webhook registered for ``event`` whose JQL filter matches; ``flow``:
        ``Primary`` for the event itself, ``Secondary`` for what a cascading change brings with it."""
        state: SiteState = self.site.state
        targets = []
        for hook in state.webhooks.values():
            if not hook.enabled or event not in hook.events:
                continue
            if hook.jql and issue is not None and not _matches(state, hook.jql, issue):
                continue
            targets.append(hook)
        if not targets:
            return 0
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for hook in targets:
            self._enqueue(Delivery(time.monotonic(), 0, hook.id, payload, str(uuid.uuid4()), flow=flow))
        return len(targets)

    def _enqueue(self, delivery: Delivery) -> None:
        with self._cond:
            self._seq += 1
            delivery.seq = self._seq
            self._pending += 1
        self._queue.put(delivery)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued delivery (retries included) is done; False on time-out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._queue.put(Delivery(0, -1, -1, b"", ""))
        for thread in self._threads:
            thread.join(timeout=2)
        self._session.close()

    # -- delivery ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            delivery = self._queue.get()
            if delivery.webhook_id < 0:
                return
            wait = delivery.due - time.monotonic()
            if wait > 0:
                self._queue.put(delivery)
                time.sleep(min(wait, 0.05))
                continue
            retry = self._send(delivery)
            if retry:
                delivery.attempt += 1
                delivery.due = (time.monotonic() + self.backoff * (2 ** (delivery.attempt - 1))
                                + self._random.uniform(0, self.retry_spread))
                self._queue.put(delivery)
                continue
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def _send(self, delivery: Delivery) -> bool:
        """Deliver once; True when it should be tried again."""
        stats = self.site.stats
        hook: SWebhook | None = self.site.state.webhooks.get(delivery.webhook_id)
        if hook is None:
            stats.delivery("dropped_unregistered")
            return False
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "X-Atlassian-Webhook-Identifier": delivery.identifier,
                   "User-Agent": "Atlassian Webhook HTTP Client"}
        if self.site.state.flavor == "cloud":
            headers["X-Atlassian-Webhook-Flow"] = delivery.flow
        if delivery.attempt:
            headers["X-Atlassian-Webhook-Retry"] = str(delivery.attempt)
        if hook.secret:
            digest = hmac.new(hook.secret.encode("utf-8"), delivery.body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        outcome, retry = "delivered", False
        if self.site.faults.take_webhook_failure():
            outcome, retry = "failed_injected", True
        else:
            try:
                response = self._session.post(hook.url, data=delivery.body, headers=headers, timeout=self.timeout)
                if response.status_code in RETRY_STATUSES:
                    outcome, retry = f"failed_{response.status_code}", True
                elif response.status_code >= 400:
                    outcome = f"rejected_{response.status_code}"
            except requests.Timeout:
                outcome, retry = "failed_timeout", True
            except requests.RequestException:
                outcome, retry = "failed_connection", True
        stats.delivery(outcome)
        if retry and delivery.attempt + 1 >= self.max_attempts:
            stats.delivery("gave_up")
            log.warning("webhook %s gave up on %s after %d attempts", hook.name, delivery.identifier,
                        delivery.attempt + 1)
            return False
        if retry:
            stats.delivery("retried")
        return retry


def _matches(state: SiteState, text: str, issue: SIssue) -> bool:
    try:
        query = jql.parse(state, text)
    except jql.JqlError:
        return False
    return query.predicate is None or query.predicate(issue)


# -- bodies, as real Jira shapes them --------------------------------------------------------------------
def _base(event: str, user: str | None, renderer: Renderer) -> dict[str, Any]:
    body: dict[str, Any] = {"timestamp": int(time.time() * 1000), "webhookEvent": event}
    if user:
        body["user"] = renderer.user(user)
    return body


def issue_event(renderer: Renderer, event: str, type_name: str | None, issue: SIssue, user: str | None,
                items: list[dict[str, Any]] | None = None, history_id: str | None = None) -> dict[str, Any]:
    body = _base(event, user, renderer)
    if type_name:
        body["issue_event_type_name"] = type_name
    body["issue"] = renderer.webhook_issue(issue)
    if items is not None:
        body["changelog"] = {"id": history_id or "0", "items": [{k: v for k, v in i.items()} for i in items]}
    return body


def comment_events(renderer: Renderer, action: str, issue: SIssue, comment: dict[str, Any],
                   user: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, body) pairs for a comment created, updated or deleted, per flavour."""
    rendered = Renderer(renderer.state, renderer.base, 2).comment(issue, comment)
    if renderer.cloud:
        body = {"timestamp": int(time.time() * 1000), "webhookEvent": f"comment_{action}", "comment": rendered,
                "issue": renderer.trimmed_issue(issue)}
        return [(f"comment_{action}", body)]
    type_name = {"created": "issue_commented", "updated": "issue_comment_edited",
                 "deleted": "issue_comment_deleted"}[action]
    wrapped = issue_event(renderer, "jira:issue_updated", type_name, issue, user)
    if action != "deleted":
        wrapped["comment"] = rendered
    plain: dict[str, Any] = {"timestamp": int(time.time() * 1000), "webhookEvent": f"comment_{action}",
                             "comment": rendered}
    if action != "created":
        plain["user"] = renderer.user(user)
    return [("jira:issue_updated", wrapped), (f"comment_{action}", plain)]

"""``create_app(settings)``: the Flask application that receives Jira's webhooks.

Verify the signature, bound the size, parse, classify; persist what pmokit handles to the inbox in the store and
answer 202; answer 200 to duplicates and to events pmokit does not handle (with the reason). Never 409 or 429
(Jira would retry a delivery that cannot succeed), never a 5xx for anything a client sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import get_input_stream

from config.models import Settings
from pmokit.store import inbox, open_store
from pmokit.store.engine import start_checkpointer

from .events import Event, Ignored, Invalid, classify
from .group_commit import GroupCommit
from .metrics import Metrics
from .signature import verify

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
# Set to 1 by `pmokit serve --insecure-no-signature` for its receiver processes (and by hand for a WSGI server):
# the receiver then runs without a webhook secret, checking no signature.
INSECURE_ENV = "PMOKIT_INSECURE_NO_SIGNATURE"
INSECURE_FLAG = "--insecure-no-signature"


class InsecureReceiver(ValueError):
    """The receiver would check no signature (no secret, or an empty one) and was not told that this is wanted."""


def signature_problem(settings: Settings) -> str | None:
    """Why the receiver could not check signatures with this configuration (the secret is read here), or None."""
    ref = settings.webhooks.secret
    if ref is None:
        return ("webhooks.secret is not set: the receiver could check no signature, and anyone who reaches it could "
                "make pmokit act")
    if not ref.reveal():
        return (f"webhooks.secret ({ref.reference}) is empty: an HMAC with an empty key is one anyone can make, so "
                f"every signature would be forgeable")
    return None


def _refusal(problem: str) -> str:
    return (f"{problem}; the receiver does not start without one (give {INSECURE_FLAG}, or set {INSECURE_ENV}=1 "
            f"for a WSGI server, to receive unsigned webhooks anyway)")


def insecure_from_environment() -> bool:
    return os.environ.get(INSECURE_ENV, "") == "1"


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _clean(text: str, size: int) -> str:
    """A payload string fit for a column: no NUL (PostgreSQL refuses it), bounded."""
    return text.replace("\x00", "")[:size]


def _text(raw: bytes) -> str:
    """The body as text, in the encoding JSON parsing found (Jira sends UTF-8; UTF-16/32 parse too)."""
    return raw.decode(json.detect_encoding(raw), errors="replace").replace("\x00", "")


# A \uD800-\uDFFF escape: rare in real bodies (Jira sends UTF-8), so the walk below runs only when one is there.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any) -> bool:
    """Whether a parsed body holds a lone UTF-16 surrogate (a pair is joined by the parser into one character):
    such a string is not text, and no store or page can hold it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _read_body(limit: int) -> bytes | None:
    """The request's body, or None when it is over ``limit`` bytes: announced, or sent chunked (no length
    given), which is read to one byte past the limit so that a long one is refused, not cut short."""
    if request.content_length is not None and request.content_length > limit:
        return None
    stream = get_input_stream(request.environ, safe_fallback=False, max_content_length=None)
    raw = stream.read(limit + 1)
    return None if len(raw) > limit else raw


def _stale(payload: dict[str, Any], window: float | None) -> str | None:
    """Why an event is too old to take (its signed ``timestamp`` is before the replay window), or None."""
    if window is None:
        return None
    sent = payload.get("timestamp")
    if not isinstance(sent, int | float) or isinstance(sent, bool):
        return None
    age = time.time() - sent / 1000
    if age > window:
        return f"sent {age:.0f} s ago, before the replay window of {window:g} s (webhooks.replay_window_seconds)"
    return None


_RETRY_COUNT = re.compile(r"0*[1-9][0-9]*")  # ASCII digits, never parsed: an unsigned header may carry anything


def _lane(headers: Headers) -> tuple[str, str]:
    """(flow, retried) of a delivery as Jira Cloud marks it, in a few fixed values (the headers are not signed)."""
    flow = (headers.get("x-atlassian-webhook-flow") or "").strip().lower()
    retry = (headers.get("x-atlassian-webhook-retry") or "").strip()
    return (flow if flow in ("primary", "secondary") else "none" if not flow else "other",
            "yes" if _RETRY_COUNT.fullmatch(retry) else "no")


class Headers(Protocol):
    """A request's headers, looked up by lower-case name (Werkzeug's ignore case; the ASGI front's are lower)."""

    def get(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # JSON


class Intake:
    """What the receiver does with a request's body and headers, whichever server carries it: verify, parse,
    classify, persist (through the group commit), answer. Blocking for a WSGI thread (:meth:`receive`), or
    awaiting the commit on an event loop (:meth:`receive_async`)."""

    def __init__(self, settings: Settings, writer: GroupCommit, metrics: Metrics, *, insecure: bool = False):
        problem = signature_problem(settings)
        if problem is not None and not insecure:
            raise InsecureReceiver(_refusal(problem))
        # None: signatures are not checked (only when told so); never an empty key.
        ref = settings.webhooks.secret
        self.secret = ref.reveal() if problem is None and ref is not None else None
        self.unchecked = problem
        self.replay_window = settings.webhooks.replay_window_seconds
        self.writer = writer
        self.counters = {outcome: metrics.received.labels(outcome)
                         for outcome in ("accepted", "duplicate", "ignored", "rejected", "unavailable")}
        self.deliveries = metrics.deliveries

    def answer(self, status: int, outcome: str, **body: Any) -> Answer:
        self.counters[outcome].inc()
        # json.dumps, not jsonify: its extra work is measurable at a thousand requests a second.
        return Answer(status, json.dumps({"outcome": outcome, **body}, ensure_ascii=False).encode())

    def receive(self, raw: bytes | None, headers: Headers) -> Answer:
        prepared = self.prepare(raw, headers)
        if isinstance(prepared, Answer):
            return prepared
        incoming, event = prepared
        try:
            return self.accepted(event, self.writer.submit(incoming))
        except (SQLAlchemyError, TimeoutError) as exc:
            return self.unavailable(exc)

    async def receive_async(self, raw: bytes | None, headers: Headers) -> Answer:
        prepared = self.prepare(raw, headers)
        if isinstance(prepared, Answer):
            return prepared
        incoming, event = prepared
        try:
            new = await asyncio.wait_for(asyncio.wrap_future(self.writer.enqueue(incoming)), 30.0)
        except (SQLAlchemyError, TimeoutError) as exc:
            return self.unavailable(exc)
        return self.accepted(event, new)

    def prepare(self, raw: bytes | None, headers: Headers) -> Answer | tuple[inbox.Incoming, Event]:
        """The answer when there is nothing to persist, else the event to persist."""
        if raw is None:
            return self.answer(413, "rejected", error=f"the body is over {MAX_BODY} bytes")
        if self.secret is not None and not verify(self.secret, raw, headers.get("x-hub-signature")):
            return self.answer(401, "rejected", error="missing or wrong X-Hub-Signature")
        self.deliveries.labels(*_lane(headers)).inc()
        try:
            payload = json.loads(raw, parse_constant=_no_constants)
            event = classify(payload) if isinstance(payload, dict) else None
        except (ValueError, UnicodeDecodeError):
            return self.answer(400, "rejected", error="the body is not JSON")
        except RecursionError:
            return self.answer(400, "rejected", error="the JSON is nested too deeply")
        if event is None:
            return self.answer(400, "rejected", error="the body is not a JSON object")
        if _SURROGATE_ESCAPE.search(raw) and _lone_surrogate(payload):
            return self.answer(400, "rejected", error="the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                                      "which is not text")
        if isinstance(event, Invalid):
            return self.answer(400, "rejected", error=event.reason)
        if isinstance(event, Ignored):
            return self.answer(200, "ignored", reason=event.reason)
        stale = _stale(payload, self.replay_window)
        if stale is not None:
            return self.answer(200, "ignored", reason=stale)
        identifier = (headers.get("x-atlassian-webhook-identifier") or "").strip()
        body_hash = hashlib.sha256(raw).hexdigest()
        key = f"id:{_clean(identifier, 180)}" if identifier else f"sha256:{body_hash}"
        incoming = inbox.Incoming(key, _clean(event.webhook_event, 60), event.issue_id, _clean(event.issue_key, 64),
                                  _clean(event.actor, 200), event.triggers, _text(raw), body_hash)
        return incoming, event

    def accepted(self, event: Event, new: bool) -> Answer:
        if not new:
            return self.answer(200, "duplicate", reason="this delivery was received before")
        return self.answer(202, "accepted", issue=event.issue_key or event.issue_id, triggers=list(event.triggers))

    def unavailable(self, exc: Exception) -> Answer:
        # The store, not the request: 503 so that Jira delivers it again later.
        log.error("could not persist a webhook event: %s", exc.__class__.__name__)
        return self.answer(503, "unavailable", error="the store is unavailable; deliver again later")


def create_app(settings: Settings, sessions: sessionmaker[Session] | None = None,
               metrics: Metrics | None = None, *, insecure_no_signature: bool = False) -> Flask:
    """The receiver for ``settings`` (a pmokit configuration); ``sessions`` defaults to its store, migrated.

    :class:`InsecureReceiver` when the configuration gives no secret to check signatures with (none, or an empty
    one), unless ``insecure_no_signature``: then it checks none, and says so in its log and in ``/readyz``."""
    problem = signature_problem(settings)
    if problem is not None and not insecure_no_signature:
        raise InsecureReceiver(_refusal(problem))
    on_start: Callable[[], object] | None = None
    if sessions is None:
        opened = open_store(settings.store.url, settings.base_dir, background_checkpoint=True)
        sessions = opened.sessions

        def on_start() -> None:
            start_checkpointer(opened.engine)
    store = sessions

    def inbox_counts() -> dict[str, int]:
        with store() as session:
            return inbox.counts(session)

    metrics = metrics or Metrics(inbox_counts)
    writer = GroupCommit(sessions, on_start=on_start)
    app = Flask("pmokit.webhooks")
    app.extensions["pmokit"] = {"sessions": sessions, "metrics": metrics, "writer": writer}

    intake = Intake(settings, writer, metrics, insecure=insecure_no_signature)
    app.extensions["pmokit"]["intake"] = intake
    unsigned: dict[str, str] = {}
    if intake.unchecked is not None:
        log.warning("signatures are NOT checked (%s): %s", INSECURE_FLAG, intake.unchecked)
        unsigned = {"signatures": f"not checked ({INSECURE_FLAG}): {intake.unchecked}"}

    @app.post(settings.webhooks.path)
    def receive() -> Response:
        started = time.perf_counter()
        try:
            answer = intake.receive(_read_body(MAX_BODY), request.headers)
            return app.response_class(answer.body, answer.status, mimetype="application/json")
        finally:
            metrics.ack_seconds.observe(time.perf_counter() - started)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "alive"})

    @app.get("/readyz")
    def readyz() -> Response:
        try:
            with store() as session:
                session.execute(text("select 1"))
        except Exception as exc:  # readiness reports the store's state, whatever the error
            log.warning("store not reachable: %s", exc.__class__.__name__)
            response = jsonify({"status": "not ready", "store": "unreachable", **unsigned})
            response.status_code = 503
            return response
        return jsonify({"status": "ready", "store": "reachable", "configuration": "loaded", **unsigned})

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.scrape_registry), mimetype=CONTENT_TYPE_LATEST)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # 404/405/413 from Werkzeug: JSON like the rest, never an HTML page.
        response = jsonify({"outcome": "rejected", "error": exc.description or exc.name})
        response.status_code = exc.code or 400
        return response

    return app

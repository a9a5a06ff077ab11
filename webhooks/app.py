"""``create_app(settings)``: the Flask application that receives Jira's webhooks.

Verify the signature, bound the size, parse, classify; persist what pmokit handles to the inbox in the store and
answer 202; answer 200 to duplicates and to events pmokit does not handle (with the reason). Never 409 or 429
(Jira would retry a delivery that cannot succeed), never a 5xx for anything a client sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

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

from .events import Ignored, Invalid, classify
from .group_commit import GroupCommit
from .metrics import Metrics
from .signature import verify

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


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


def create_app(settings: Settings, sessions: sessionmaker[Session] | None = None,
               metrics: Metrics | None = None) -> Flask:
    """The receiver for ``settings`` (a pmokit configuration); ``sessions`` defaults to its store, migrated."""
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
    replay_window = settings.webhooks.replay_window_seconds
    secret_ref = settings.webhooks.secret
    secret = secret_ref.reveal() if secret_ref is not None else None
    writer = GroupCommit(sessions, on_start=on_start)
    app = Flask("pmokit.webhooks")
    app.extensions["pmokit"] = {"sessions": sessions, "metrics": metrics, "writer": writer}

    counters = {outcome: metrics.received.labels(outcome)
                for outcome in ("accepted", "duplicate", "ignored", "rejected", "unavailable")}

    def answer(status: int, outcome: str, **body: Any) -> Response:
        counters[outcome].inc()
        # json.dumps and a plain response: jsonify's extra work is measurable at a thousand requests a second.
        return app.response_class(json.dumps({"outcome": outcome, **body}, ensure_ascii=False), status,
                                  mimetype="application/json")

    @app.post(settings.webhooks.path)
    def receive() -> Response:
        started = time.perf_counter()
        try:
            return _receive(answer)
        finally:
            metrics.ack_seconds.observe(time.perf_counter() - started)

    def _receive(answer: Callable[..., Response]) -> Response:
        raw = _read_body(MAX_BODY)
        if raw is None:
            return answer(413, "rejected", error=f"the body is over {MAX_BODY} bytes")
        if secret is not None and not verify(secret, raw, request.headers.get("X-Hub-Signature")):
            return answer(401, "rejected", error="missing or wrong X-Hub-Signature")
        try:
            payload = json.loads(raw, parse_constant=_no_constants)
            event = classify(payload) if isinstance(payload, dict) else None
        except (ValueError, UnicodeDecodeError):
            return answer(400, "rejected", error="the body is not JSON")
        except RecursionError:
            return answer(400, "rejected", error="the JSON is nested too deeply")
        if event is None:
            return answer(400, "rejected", error="the body is not a JSON object")
        if _SURROGATE_ESCAPE.search(raw) and _lone_surrogate(payload):
            return answer(400, "rejected", error="the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                                 "which is not text")
        if isinstance(event, Invalid):
            return answer(400, "rejected", error=event.reason)
        if isinstance(event, Ignored):
            return answer(200, "ignored", reason=event.reason)
        stale = _stale(payload, replay_window)
        if stale is not None:
            return answer(200, "ignored", reason=stale)
        identifier = request.headers.get("X-Atlassian-Webhook-Identifier", "").strip()
        body_hash = hashlib.sha256(raw).hexdigest()
        key = f"id:{_clean(identifier, 180)}" if identifier else f"sha256:{body_hash}"
        incoming = inbox.Incoming(key, _clean(event.webhook_event, 60), event.issue_id, _clean(event.issue_key, 64),
                                  _clean(event.actor, 200), event.triggers, _text(raw), body_hash)
        try:
            new = writer.submit(incoming)
        except (SQLAlchemyError, TimeoutError) as exc:
            # The store, not the request: 503 so that Jira delivers it again later.
            log.error("could not persist a webhook event: %s", exc.__class__.__name__)
            return answer(503, "unavailable", error="the store is unavailable; deliver again later")
        if not new:
            return answer(200, "duplicate", reason="this delivery was received before")
        return answer(202, "accepted", issue=event.issue_key or event.issue_id, triggers=list(event.triggers))

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
            response = jsonify({"status": "not ready", "store": "unreachable"})
            response.status_code = 503
            return response
        return jsonify({"status": "ready", "store": "reachable", "configuration": "loaded"})

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

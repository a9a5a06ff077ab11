"""The receiver as an ASGI application: bodies are read on the event loop, under a deadline, before a thread is
given to the request.

Under a WSGI server a request holds one of a few threads from its first byte to its answer, so a handful of
clients that send headers and then a body slowly (or never) take every thread, and nothing else is answered.
Here the body is awaited by a coroutine (thousands cost next to nothing), cut off after ``body_timeout``
seconds (408) or past ``max_body`` bytes (413, whether announced by Content-Length or sent chunked), and only a
complete body is handed to the Flask application, in a bounded thread pool, in one hop (the WSGI environ built
by ``a2wsgi``, the application run by Werkzeug's ``run_wsgi_app``; the receiver's answers are small, so each is
collected whole and sent from the loop). ``/healthz`` is answered on the loop itself: no body and no store can
keep it waiting.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from .app import Intake

from a2wsgi.asgi_typing import HTTPScope
from a2wsgi.wsgi import build_environ
from werkzeug.test import run_wsgi_app

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyTooLarge(Exception):
    pass


class BufferedReceiver:
    """ASGI front of a WSGI application (the receiver's Flask app)."""

    def __init__(self, wsgi_app: WSGIApplication, *, max_body: int, body_timeout: float, threads: int = 8,
                 on_rejected: Callable[[], object] | None = None, intake: Intake | None = None,
                 path: str = "/webhooks/jira", ack_seconds: Callable[[float], object] | None = None):
        self.app = wsgi_app
        # The webhook POST itself is handled on the loop (no thread: the commit is awaited); the rest of the
        # application (/readyz, /metrics, errors) runs in the threads.
        self.intake, self.path, self.ack_seconds = intake, path, ack_seconds
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="pmokit-receiver")
        self.max_body, self.body_timeout = max_body, body_timeout
        self.on_rejected = on_rejected  # counts what the front refuses itself (408, 413) with the receiver's

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope.get("method", "GET")
        if scope.get("path") == "/healthz" and method in ("GET", "HEAD"):
            await _answer(send, 200, {"status": "alive"})
            return
        body = b""
        started = time.perf_counter()
        if method in BODY_METHODS:
            announced = _content_length(scope)
            if announced is not None and announced > self.max_body:
                await self._refuse(send, 413, f"the body is over {self.max_body} bytes")
                return
            try:
                async with asyncio.timeout(self.body_timeout):  # a timer, not a task: cheap per request
                    body = await _read_body(receive, self.max_body)
            except TimeoutError:
                await self._refuse(send, 408, f"the body did not arrive within {self.body_timeout:g} s")
                return
            except BodyTooLarge:
                await self._refuse(send, 413, f"the body is over {self.max_body} bytes")
                return
            except _Disconnected:
                return
            if self.intake is not None and scope.get("path") == self.path and method == "POST":
                answer = await self.intake.receive_async(body, _headers(scope))
                await send({"type": "http.response.start", "status": answer.status,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(answer.body)).encode())]})
                await send({"type": "http.response.body", "body": answer.body})
                if self.ack_seconds is not None:
                    self.ack_seconds(time.perf_counter() - started)
                return
            scope = _with_length(scope, len(body))
        # One hop to a thread and back: the application runs with the whole body, its (small) answer is
        # collected there and sent from the loop.
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self.pool, self._run, scope, body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _refuse(self, send: Send, status: int, error: str) -> None:
        if self.on_rejected is not None:
            self.on_rejected()
        await _answer(send, status, {"outcome": "rejected", "error": error})

    def _run(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        environ: dict[str, Any] = dict(build_environ(cast(HTTPScope, scope), cast(Any, io.BytesIO(body))))
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        try:
            content = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        return (int(status.split(" ", 1)[0]),
                [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()],
                content)


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (ASGI gives them lower-case already; repeated ones joined)."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        found[key] = f"{found[key]},{text}" if key in found else text
    return found


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _with_length(scope: Scope, length: int) -> Scope:
    """The body is complete: say how long it is (a chunked body has no Content-Length of its own)."""
    headers = [(name, value) for name, value in scope.get("headers", ())
               if name.lower() not in (b"content-length", b"transfer-encoding")]
    headers.append((b"content-length", str(length).encode()))
    return {**scope, "headers": headers}


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *([(b"connection", b"close")] if status in (408, 413) else [])]})
    await send({"type": "http.response.body", "body": data})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def from_environment() -> BufferedReceiver:
    """The receiver for ``granian --interface asgi --factory webhooks.asgi:from_environment`` (what `pmokit
    serve` runs): the configuration named by PMOKIT_CONFIG (or ./pmokit.yaml)."""
    from config import load_settings
    from config.loader import resolve_config_paths

    from .app import MAX_BODY, create_app, insecure_from_environment

    # The loop and the threads hand the interpreter lock back and forth for every request: the default switch
    # interval (5 ms) would add up to that much to each hand-over.
    sys.setswitchinterval(0.0005)
    settings = load_settings(resolve_config_paths(None), require_secrets=("webhooks", "store"))
    app = create_app(settings, insecure_no_signature=insecure_from_environment())
    parts = app.extensions["pmokit"]
    return BufferedReceiver(app, max_body=MAX_BODY, body_timeout=settings.webhooks.body_timeout_seconds,
                            threads=settings.webhooks.receiver_threads,
                            on_rejected=parts["metrics"].received.labels("rejected").inc, intake=parts["intake"],
                            path=settings.webhooks.path, ack_seconds=parts["metrics"].ack_seconds.observe)

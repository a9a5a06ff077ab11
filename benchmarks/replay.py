"""Record a client's conversation with a site, then replay it with a fixed latency and no server work.

A benchmark of a client against a live server measures both: at 10,000 issues the sandbox spends seconds
building pages of JSON that Jira Cloud would build on its own machines. Replayed, every answer is bytes read
from disk after the latency, so what is left is the client's own work: the same requests, the same bodies.

    recorder = Recorder(target_url, directory)     # a proxy in this process: forwards and keeps every answer
    ... run the client against recorder.url ...
    recorder.stop()
    with Replayer(directory, latency_ms=30) as url: # a separate process that answers from the recording
        ... run the same client against url ...

An answer is found by method, path with query and a digest of the request body: a client that sends what it
sent while recording gets what it got (paging tokens included, as they are in the recorded bodies). A request
that was not recorded is answered 404 and counted as a miss (``Replayer.stats()``): a benchmark that replays
with misses measured something else and says so.

Run alone: python benchmarks/replay.py serve DIRECTORY [--latency-ms 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

INDEX = "index.json"
STATS_PATH = "/__replay/stats"
DROPPED_HEADERS = {"host", "content-length", "connection", "accept-encoding"}


def request_key(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class _Quiet(BaseHTTPRequestHandler):
    """HTTP/1.1 (connections kept alive, as the client's pool expects), no log line per request."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _answer(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


class Recorder:
    """A forwarding proxy that writes each answer to ``directory`` (one file per distinct request)."""

    def __init__(self, target: str, directory: Path):
        self.target, self.directory = target.rstrip("/"), directory
        directory.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.forwarder = requests.Session()
        recorder = self

        class Handler(_Quiet):
            def _forward(self) -> None:
                body = _read_body(self)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in DROPPED_HEADERS}
                answer = recorder.forwarder.request(self.command, recorder.target + self.path, data=body or None,
                                                    headers=headers, allow_redirects=False)
                content_type = answer.headers.get("Content-Type", "application/json")
                key = request_key(self.command, self.path, body)
                (recorder.directory / key).write_bytes(answer.content)
                with recorder.lock:
                    recorder.index[key] = {"status": answer.status_code, "type": content_type,
                                           "method": self.command, "path": self.path.split("?", 1)[0]}
                _answer(self, answer.status_code, content_type, answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        (self.directory / INDEX).write_text(json.dumps(self.index), encoding="utf-8")

    def recorded_bytes(self) -> int:
        return sum((self.directory / key).stat().st_size for key in self.index)


def serve(directory: Path, latency_ms: float, port: int = 0) -> None:
    """Answer from the recording in ``directory`` until killed; print the port first."""
    index: dict[str, dict[str, Any]] = json.loads((directory / INDEX).read_text(encoding="utf-8"))
    counts = {"served": 0, "misses": 0}
    lock = threading.Lock()
    latency = latency_ms / 1000

    class Handler(_Quiet):
        def _replay(self) -> None:
            body = _read_body(self)
            if self.path == STATS_PATH:
                with lock:
                    _answer(self, 200, "application/json", json.dumps(counts).encode())
                return
            if self.path == "/__replay/reset":
                with lock:
                    counts.update(served=0, misses=0)
                _answer(self, 204, "application/json", b"")
                return
            key = request_key(self.command, self.path, body)
            entry = index.get(key)
            time.sleep(latency)
            if entry is None:
                with lock:
                    counts["misses"] += 1
                _answer(self, 404, "application/json",
                        json.dumps({"errorMessages": [f"not recorded: {self.command} {self.path}"]}).encode())
                return
            with lock:
                counts["served"] += 1
            _answer(self, entry["status"], entry["type"], (directory / key).read_bytes())

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _replay

    server = _Server(("127.0.0.1", port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


class Replayer:
    """``serve`` in its own process, so its work does not count as the client's."""

    def __init__(self, directory: Path, latency_ms: float):
        self.directory, self.latency_ms = directory, latency_ms
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> str:
        self.process = subprocess.Popen([sys.executable, __file__, "serve", str(self.directory), "--latency-ms",
                                         str(self.latency_ms)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"
        return self.url

    def stats(self) -> dict[str, int]:
        return dict(requests.get(self.url + STATS_PATH, timeout=10).json())

    def reset(self) -> None:
        requests.post(self.url + "/__replay/reset", timeout=10)

    def __exit__(self, *exc: Any) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    serve(args.directory, args.latency_ms, args.port)


if __name__ == "__main__":
    main()

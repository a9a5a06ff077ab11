"""`pmokit serve` in a process of its own, as users run it, for tests that attack or measure the receiver."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from pmokit.cli.sandbox_config import sandbox_config

PMOKIT = Path(sys.executable).parent / "pmokit"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory: Path, *, jira_url: str = "http://127.0.0.1:9", secret: str = "serve-secret",
                 store: str | None = None, flavor: str = "cloud", webhooks: dict[str, Any] | None = None,
                 jira: dict[str, Any] | None = None, confluence_flavor: str = "cloud",
                 history_periods: int = 0) -> Path:
    """A sandbox configuration with the webhook secret given as the variable's default (no secret printed).

    ``history_periods``: weeks a first report rebuilds from the changelog (the product's default is 12; tests
    whose subject is not the trend rebuild none, as tests/syncing.runtime_for does)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(sandbox_config(jira_url, flavor=flavor, store=store or f"sqlite:///{directory / 'store.db'}",
                                         confluence_flavor=confluence_flavor))
    data["webhooks"]["secret"] = "${PMOKIT_TEST_WEBHOOK_SECRET}"
    data["webhooks"].update(webhooks or {})
    data["jira"].update(jira or {})
    data.setdefault("reports", {})["history_periods"] = history_periods
    path = directory / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.environ["PMOKIT_TEST_WEBHOOK_SECRET"] = secret
    return path


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    port: int


@contextlib.contextmanager
def serve(config: Path, *, server: str = "granian", workers: int = 0, schedule: bool = False,
          receivers: int = 1) -> Iterator[Served]:
    """`pmokit serve` on a free port, ready (``/readyz`` 200) when this yields; stopped with SIGTERM after."""
    port = free_port()
    command = [str(PMOKIT), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--server", server]
    if server == "granian":
        command += ["--receivers", str(receivers)]
    if not schedule:
        command.append("--no-schedule")
    process = subprocess.Popen(command, env=os.environ | {"PMOKIT_CONFIG": str(config)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError("pmokit serve did not become ready: " + _output(process))
            time.sleep(0.2)
        yield Served(base, process, port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def _output(process: subprocess.Popen[bytes]) -> str:
    if process.poll() is None:
        return "(still running)"
    return (process.stdout.read() if process.stdout else b"").decode(errors="replace")[-3000:]


def slow_body(port: int, path: str = "/webhooks/jira", announced: int = 1000, sent: bytes = b'{"we') -> socket.socket:
    """A connection that sends headers announcing ``announced`` bytes of body, then only ``sent``, and holds."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    conn.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {announced}\r\n\r\n".encode() + sent)
    return conn

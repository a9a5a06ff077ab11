"""`pmokit serve` as users run it: a receiver on granian in its own process, workers beside it, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from pmokit.cli.sandbox_config import sandbox_config
from tests.serving import free_port
from webhooks.signature import sign

FIXTURE = Path(__file__).parent / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira" / "webhook-issue-created.json"


def test_serve_receives_and_stops_cleanly(tmp_path):
    config = tmp_path / "pmokit.yaml"
    config.write_text(sandbox_config("http://127.0.0.1:9", webhook_secret="serve-secret",
                                     store=f"sqlite:///{tmp_path / 'store.db'}"), encoding="utf-8")
    port = free_port()
    env = os.environ | {"PMOKIT_CONFIG": str(config)}
    pmokit = Path(sys.executable).parent / "pmokit"
    process = subprocess.Popen([str(pmokit), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--no-schedule"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            raise AssertionError("pmokit serve did not become ready")
        body = FIXTURE.read_bytes()
        headers = {"X-Hub-Signature": sign("serve-secret", body), "X-Atlassian-Webhook-Identifier": "serve-1",
                   "Content-Type": "application/json"}
        assert requests.post(f"{base}/webhooks/jira", data=body, headers=headers, timeout=5).status_code == 202
        assert requests.post(f"{base}/webhooks/jira", data=body, headers=headers, timeout=5).status_code == 200
        assert requests.post(f"{base}/webhooks/jira", data=body, timeout=5).status_code == 401
        assert "pmokit_webhook_requests_total" in requests.get(f"{base}/metrics", timeout=5).text
    finally:
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert time.monotonic() - started < 30, output
    assert "receiving on" in output and "granian" in output
    try:
        requests.get(f"{base}/healthz", timeout=1)
        raise AssertionError("the receiver outlived pmokit serve")
    except requests.ConnectionError:
        pass


# -- refusing to start, and saying why ------------------------------------------------------------------------
# Before: with no webhooks.secret (or an empty one, which makes every HMAC forgeable) `pmokit serve` received
# unsigned webhooks and acted on them, with nothing but a warning in `config validate`; a receiver that could not
# listen (port in use, bad port, bad address) ended `pmokit serve` with exit 0 (granian) or a traceback (waitress).

def _config(tmp_path: Path, secret: str | None) -> Path:
    """The sandbox configuration with ``secret`` as webhooks.secret (None: no secret at all)."""
    import yaml

    data = yaml.safe_load(sandbox_config("http://127.0.0.1:9", store=f"sqlite:///{tmp_path / 'store.db'}"))
    if secret is None:
        data["webhooks"].pop("secret")
    else:
        data["webhooks"]["secret"] = secret
    path = tmp_path / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _serve(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    pmokit = Path(sys.executable).parent / "pmokit"
    command = [str(pmokit), "serve", "--workers", "0", "--no-schedule", *args]
    try:
        return subprocess.run(command, env=os.environ | {"PMOKIT_CONFIG": str(config)}, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"pmokit serve {' '.join(args)} kept running: {exc.stderr!r}") from None


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode not in (0, None), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_serve_refuses_to_start_without_a_secret_or_with_an_empty_one(tmp_path):
    unset = _one_line(_serve(_config(tmp_path, None), "--bind", f"127.0.0.1:{free_port()}"))
    assert "webhooks.secret is not set" in unset and "--insecure-no-signature" in unset
    empty = _one_line(_serve(_config(tmp_path, "${PMOKIT_TEST_EMPTY_SECRET:-}"), "--bind",
                             f"127.0.0.1:{free_port()}", "--server", "waitress"))
    assert "is empty" in empty and "forgeable" in empty and "--insecure-no-signature" in empty


def test_insecure_no_signature_receives_unsigned_and_says_so(tmp_path):
    config = _config(tmp_path, None)
    port = free_port()
    pmokit = Path(sys.executable).parent / "pmokit"
    process = subprocess.Popen([str(pmokit), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "0",
                                "--no-schedule", "--insecure-no-signature"],
                               env=os.environ | {"PMOKIT_CONFIG": str(config)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = requests.get(f"{base}/readyz", timeout=1)
                if ready.status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, "pmokit serve did not become ready"
        assert ready.json()["signatures"].startswith("not checked (--insecure-no-signature)")
        body = FIXTURE.read_bytes()
        assert requests.post(f"{base}/webhooks/jira", data=body, timeout=5).status_code == 202
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode(errors="replace")
    assert "signatures are NOT checked" in output


def test_serve_exits_non_zero_with_one_line_when_it_cannot_listen(tmp_path):
    import socket

    config = _config(tmp_path, "${PMOKIT_TEST_SERVE_SECRET:-serve-secret}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for server in ("granian", "waitress"):
            line = _one_line(_serve(config, "--bind", f"127.0.0.1:{port}", "--server", server))
            assert f"cannot listen on 127.0.0.1:{port}" in line and "in use" in line, (server, line)
    for server in ("granian", "waitress"):
        bad_port = _one_line(_serve(config, "--bind", "127.0.0.1:70000", "--server", server))
        assert "port from 0 to 65535" in bad_port, (server, bad_port)
        bad_host = _one_line(_serve(config, "--bind", "999.1.2.3:8080", "--server", server))
        assert "cannot listen on 999.1.2.3:8080" in bad_host, (server, bad_host)

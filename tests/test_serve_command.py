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

"""Webhook deliveries as Jira Cloud sends them, and pmokit taking them late, retried and out of order.

Sources:
- Atlassian's announcement "New Jira Cloud Webhook Retry Policy" (community.developer.atlassian.com/t/30554):
  retries on 408, 409, 425, 429, 5xx, a failed connection or a time-out; "webhooks might be delivered later than
  usually (up to 30 minutes, subject to change)"; the `X-Atlassian-Webhook-Retry` header carries the retry count,
  and Atlassian recommends monitoring it.
- jira.js's documentation of `WebhookHeaders` (from a capture of a real site): `X-Atlassian-Webhook-Flow` is
  `Primary` for the event itself and `Secondary` for the fallout of a bulk or cascading change ("deleting an issue
  sends jira:issue_deleted as primary and every dependent comment_deleted, attachment_deleted and
  issuelink_deleted as secondary").

The sandbox retried within seconds, in order, and sent no `X-Atlassian-Webhook-Flow` and no fallout of a
deletion. Now a retry waits its backoff and a random part of `webhook_retry_seconds` more (Jira: up to 1,800), so
that it comes after later events, and deleting an issue sends a secondary `comment_deleted` for each comment.

pmokit: `webhooks.replay_window_seconds` ignores an event whose signed timestamp is older than the window. A retry
carries the event's first timestamp and may be the only copy of it (its first delivery failed): a window under
half an hour dropped it for good. `pmokit config validate` now refuses a window under an hour, with the reason;
the receiver counts deliveries by lane and retry (`pmokit_webhook_deliveries`); and a late retry after newer
events leaves the issue as the newest state says, because the worker reads the issue again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from pmokit.store import inbox
from sandbox import Sandbox
from tests.conftest import ANCHOR
from tests.receiver import Receiver
from tests.syncing import runtime_for, syncer
from tests.test_config_validate import GOOD, problems
from tests.test_sandbox_webhooks import register
from tests.test_webhook_end_to_end import LI_NA, _ready, free_port, pmokit_comments, quiet, wait_for


def test_retries_come_late_after_later_events_and_say_their_lane():
    receiver = Receiver(statuses=[503])
    try:
        with Sandbox.start(seed="demo", anchor=ANCHOR, webhook_backoff=0.2, webhook_retry_seconds=1.5) as sb:
            register(sb, receiver.url, events=["jira:issue_updated", "jira:issue_deleted", "comment_deleted"])
            session, api = sb.session(), f"{sb.url}/rest/api/2"
            assert session.put(f"{api}/issue/SHOP-3", json={"fields": {"labels": ["first"]}}).status_code == 204
            wait_for(lambda: len(receiver.received) == 1, 10, "the first attempt")
            assert session.put(f"{api}/issue/SHOP-3", json={"fields": {"labels": ["second"]}}).status_code == 204
            assert sb.flush_webhooks(20)
            first_try, later, retry = receiver.received
            ident = "X-Atlassian-Webhook-Identifier"
            assert first_try.headers[ident] == retry.headers[ident] != later.headers[ident]
            assert retry.headers["X-Atlassian-Webhook-Retry"] == "1"
            assert "X-Atlassian-Webhook-Retry" not in later.headers
            # The retry of the older edit came after the newer edit.
            assert retry.json["issue"]["fields"]["labels"] == ["first"]
            assert later.json["issue"]["fields"]["labels"] == ["second"]
            assert {r.headers["X-Atlassian-Webhook-Flow"] for r in receiver.received} == {"Primary"}
            # Deleting an issue: the deletion as primary, then each of its comments' deletion as secondary.
            for text in ("one", "two"):
                assert session.post(f"{api}/issue/SHOP-4/comment", json={"body": text}).status_code == 201
            comments = len(sb.state.issue("SHOP-4").comments)
            receiver.received.clear()
            assert session.delete(f"{api}/issue/SHOP-4").status_code == 204
            assert sb.flush_webhooks(20)
            lanes = sorted((r.json["webhookEvent"], r.headers["X-Atlassian-Webhook-Flow"]) for r in receiver.received)
            assert lanes == [("comment_deleted", "Secondary")] * comments + [("jira:issue_deleted", "Primary")]
            assert comments >= 2
    finally:
        receiver.close()


def test_data_center_deliveries_carry_no_flow(dc_sandbox):
    receiver = Receiver()
    try:
        register(dc_sandbox, receiver.url, events=["jira:issue_updated"])
        dc_sandbox.session().put(f"{dc_sandbox.url}/rest/api/2/issue/SHOP-3", json={"fields": {"labels": ["x"]}})
        assert dc_sandbox.flush_webhooks(10)
        assert receiver.received and all("X-Atlassian-Webhook-Flow" not in r.headers for r in receiver.received)
    finally:
        receiver.close()


def test_a_replay_window_that_would_drop_late_retries_is_refused(run_cli, write_yaml):
    text = GOOD + "webhooks:\n  replay_window_seconds: 900\n"
    result = run_cli("config", "validate", str(write_yaml("pmokit.yaml", text)), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2, result.output
    [(line, column, ypath, message)] = problems(result.output)
    assert (line, column, ypath) == (24, 26, "webhooks.replay_window_seconds")
    assert message.startswith("a window of 900 s would drop genuine deliveries: Jira Cloud retries a failed "
                              "delivery for up to 30 minutes")
    assert "use at least 3600" in message
    for fine in ("3600", "86400"):
        ok = write_yaml(f"ok-{fine}.yaml", GOOD + f"webhooks:\n  replay_window_seconds: {fine}\n")
        assert run_cli("config", "validate", str(ok), env={"PMOKIT_TEST_TOKEN": "x"}).exit_code == 0


def _metric(url: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_late_retries_after_newer_events_leave_the_newest_state(tmp_path):
    """`pmokit serve` behind the sandbox: the team's first edit fails to arrive three times and comes last, its
    retry after the fix that followed it; pmokit's comment is the one the newest state calls for, once."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, webhook_backoff=0.3, webhook_retry_seconds=2.0) as sb:
        runtime = runtime_for(sb, tmp_path)
        syncer(runtime).full(["OMS"])
        port = free_port()
        env = os.environ | {"PMOKIT_CONFIG": str(tmp_path / "pmokit.yaml")}
        process = subprocess.Popen([str(Path(sys.executable).parent / "pmokit"), "serve", "--bind",
                                    f"127.0.0.1:{port}", "--workers", "1", "--no-schedule"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _ready(url), what="pmokit serve to be ready")
            register(sb, f"{url}{runtime.settings.webhooks.path}", secret="sandbox",
                     events=["jira:issue_updated", "comment_created", "comment_updated", "comment_deleted"])
            people, api = sb.session(*LI_NA), f"{sb.url}/rest/api/2"
            sb.set_faults(webhook_failures=3)  # the receiver is away for the first event's first three tries
            assert people.put(f"{api}/issue/OMS-1", json={"update": {"labels": [{"add": "q4"}]}}).status_code == 204
            wait_for(lambda: sb.stats()["webhook_deliveries"].get("failed_injected") == 3, 30, "three failed tries")
            # While its last retry waits, the team fills in the sponsor: that event arrives first.
            sponsor = runtime.jira.fields.resolve("Sponsor")
            assert people.put(f"{api}/issue/OMS-1", json={"fields": {sponsor: "张敏"}}).status_code == 204
            quiet(sb, runtime, 60)
            with runtime.sessions() as session:
                events = inbox.listing(session, limit=1000)
            assert events and all(e.status == "done" for e in events)

            def received(field: str) -> inbox.InboxEvent:  # the inbox row of the team's edit of `field` on OMS-1
                [event] = [e for e in events if e.issue_key == "OMS-1" and e.webhook_event == "jira:issue_updated"
                           and any(i.get("field") == field for i in
                                   (json.loads(e.payload).get("changelog") or {}).get("items") or [])
                           and "pmo-gap" not in e.payload]
                return event

            late, fix = received("labels"), received("Sponsor")
            assert late.pk > fix.pk  # the older edit arrived after the newer one
            assert not json.loads(late.payload)["issue"]["fields"].get(sponsor)  # and its body shows no sponsor
            # As the newest state says, whichever event came last: the record meets the standard (the sponsor is
            # there), so one comment says so and the gap label is not on it; the late edit's own label stays.
            [comment] = pmokit_comments(sb, "OMS-1")
            assert comment["body"].startswith("h3. pmokit: meets the PMO standard")
            assert "sponsor" not in comment["body"]
            labels = set(sb.state.issue("OMS-1").labels)
            assert "q4" in labels and "pmo-gap" not in labels
            assert _metric(url, "pmokit_webhook_deliveries_total", flow="primary", retried="yes") >= 1
            assert _metric(url, "pmokit_webhook_deliveries_total", flow="primary", retried="no") >= 1
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(60)
            runtime.close()


def test_the_retry_spread_is_a_switch_of_sandbox_serve(run_cli):
    result = run_cli("sandbox", "serve", "--help")
    assert result.exit_code == 0 and "--webhook-retry-seconds" in result.output and "1800" in result.output

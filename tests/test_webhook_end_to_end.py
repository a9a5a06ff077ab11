"""End to end: the sandbox sends its webhooks to `pmokit serve` (run as a command, in its own processes); pmokit
comments, labels and reverts as the example standard says, once, and never acts on its own changes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pmokit.store import inbox
from tests.syncing import runtime_for, syncer

LI_NA = ("li.na@example.com", "sandbox-li.na")


def wait_for(condition, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def quiet(sb, runtime, timeout=30.0):
    """The sandbox has delivered everything and the inbox has nothing left to do."""
    sb.site.dispatcher.flush(timeout)

    def settled():
        with runtime.sessions() as session:
            return inbox.counts(session)["pending"] == 0

    wait_for(settled, timeout, "the inbox to empty")
    sb.site.dispatcher.flush(timeout)
    wait_for(settled, timeout, "the inbox to empty")


@pytest.fixture
def served(fresh_sandbox, tmp_path):
    """`pmokit serve` as a user runs it (its own processes: a granian receiver, a worker), on the synced store."""
    runtime = runtime_for(fresh_sandbox, tmp_path)
    syncer(runtime).full(["OMS", "LOG", "SHOP"])
    port = free_port()
    env = os.environ | {"PMOKIT_CONFIG": str(tmp_path / "pmokit.yaml")}
    process = subprocess.Popen([str(Path(sys.executable).parent / "pmokit"), "serve", "--bind", f"127.0.0.1:{port}",
                                "--workers", "1", "--no-schedule"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _ready(url), what="pmokit serve to be ready")
    hook = {"name": "pmokit", "url": f"{url}{runtime.settings.webhooks.path}", "secret": "sandbox",
            "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
                       "comment_updated", "comment_deleted"]}
    assert fresh_sandbox.session().post(f"{fresh_sandbox.url}/rest/webhooks/1.0/webhook", json=hook).status_code == 201
    yield fresh_sandbox, runtime, url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(60)
    runtime.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def pmokit_comments(sb, key):
    return [c for c in sb.state.issue(key).comments if "[pmokit:compliance]" in str(c["body"])]


def test_teams_edit_and_pmokit_answers_on_the_issue(served):
    sb, runtime, _ = served
    people = sb.session(*LI_NA)
    api = f"{sb.url}/rest/api/2"
    # A team member touches the OMS record (no sponsor), and takes the FIN record (in initiation, G1 not passed)
    # on to planning: G1 is in `revert`, so pmokit moves it back, with the reason.
    assert people.put(f"{api}/issue/OMS-1", json={"update": {"labels": [{"add": "q4"}]}}).status_code == 204
    offered = people.get(f"{api}/issue/FIN-1/transitions").json()["transitions"]
    planning = next(t["id"] for t in offered if t["to"]["name"] == "Planning")
    assert people.post(f"{api}/issue/FIN-1/transitions", json={"transition": {"id": planning}}).status_code == 204
    wait_for(lambda: pmokit_comments(sb, "OMS-1"), what="pmokit's comment on OMS-1")
    wait_for(lambda: sb.state.statuses[sb.state.issue("FIN-1").status].name == "Initiation",
             what="FIN-1 moved back to Initiation")
    quiet(sb, runtime)
    oms = sb.state.issue("OMS-1")
    [comment] = pmokit_comments(sb, "OMS-1")
    assert "required fields are empty: sponsor" in comment["body"] and "pmo-gap" in oms.labels
    # The team fixes the record: the same comment is updated in place, never a second one.
    sponsor = runtime.jira.fields.resolve("Sponsor")
    assert people.put(f"{api}/issue/OMS-1", json={"fields": {sponsor: "张敏"}}).status_code == 204
    wait_for(lambda: "sponsor" not in pmokit_comments(sb, "OMS-1")[0]["body"].split("Next gate")[0],
             what="the comment to drop the sponsor")
    quiet(sb, runtime)
    assert len(pmokit_comments(sb, "OMS-1")) == 1
    with runtime.sessions() as session:
        counts = inbox.counts(session)
        outcomes = [e.outcome for e in inbox.listing(session, limit=1000)]
    assert counts["dead"] == 0 and counts["done"] == len(outcomes)
    # pmokit's own comment, label and transition came back as events and caused nothing.
    assert sum("pmokit's own action" in o for o in outcomes) >= 3


def test_an_approval_comment_is_recorded_and_the_gate_re_evaluated(served):
    sb, runtime, _ = served
    api = f"{sb.url}/rest/api/2"
    # li.na is in the pmo group: her command on SHOP-1 is a gate decision.
    body = {"body": "Reviewed the plan.\n/pmo approve G3"}
    assert sb.session(*LI_NA).post(f"{api}/issue/SHOP-1/comment", json=body).status_code == 201
    sb.site.dispatcher.flush(30)

    def approved():
        from sqlalchemy import select

        from pmokit.store.tables import AuditEvent

        with runtime.sessions() as session:
            return session.scalars(select(AuditEvent).where(AuditEvent.kind == "approval",
                                                            AuditEvent.issue_key == "SHOP-1",
                                                            AuditEvent.rule_id == "G3")).first()

    wait_for(approved, what="the approval in the audit log")
    quiet(sb, runtime)

"""The receiver: every real payload is accepted once, bad requests get a clear 4xx, and nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import load_settings
from pmokit.store import inbox, make_engine, session_factory, upgrade
from webhooks.app import MAX_BODY, create_app
from webhooks.signature import sign

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira").glob("*.json"))
SECRET = "test-webhook-secret"


@pytest.fixture
def receiver(tmp_path, monkeypatch):
    from pmokit.cli.sandbox_config import sandbox_config

    monkeypatch.setenv("PMOKIT_WEBHOOK_SECRET", SECRET)
    path = tmp_path / "pmokit.yaml"
    path.write_text(sandbox_config("http://127.0.0.1:9", store=f"sqlite:///{tmp_path / 'store.db'}"), "utf-8")
    settings = load_settings([path])
    engine = make_engine(settings.store.url, settings.base_dir)
    upgrade(engine)
    sessions = session_factory(engine)
    app = create_app(settings, sessions)
    yield app.test_client(), sessions, settings.webhooks.path
    engine.dispose()


def post(client, path, body: bytes, *, secret=SECRET, identifier=None, signature=None):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature"] = signature or sign(secret, body)
    if identifier:
        headers["X-Atlassian-Webhook-Identifier"] = identifier
    return client.post(path, data=body, headers=headers)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_every_real_payload_is_accepted_once(receiver, fixture):
    client, sessions, path = receiver
    body = fixture.read_bytes()
    first = post(client, path, body, identifier=f"id-{fixture.stem}")
    assert first.status_code == 202, first.json
    assert first.json["outcome"] == "accepted" and first.json["triggers"]
    again = post(client, path, body, identifier=f"id-{fixture.stem}")
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    with sessions() as session:
        [event] = inbox.listing(session)
        assert event.status == "pending" and event.issue_id.isdigit()
        assert json.loads(event.payload) == json.loads(body)


def test_without_an_identifier_the_same_body_is_a_duplicate(receiver):
    client, _, path = receiver
    body = FIXTURES[0].read_bytes()
    assert post(client, path, body).status_code == 202
    assert post(client, path, body).json["outcome"] == "duplicate"
    other = json.dumps({**json.loads(body), "timestamp": 1}).encode()  # another delivery of the same kind
    assert post(client, path, other).status_code == 202


@pytest.mark.parametrize(("case", "status"), [
    ("no signature", 401), ("wrong signature", 401), ("signature of another body", 401),
    ("too large", 413), ("not json", 400), ("a json array", 400), ("bad utf-8", 400),
])
def test_bad_requests_get_a_clear_4xx_and_leave_nothing(receiver, case, status):
    client, sessions, path = receiver
    good = FIXTURES[0].read_bytes()
    response = {
        "no signature": lambda: post(client, path, good, secret=None),
        "wrong signature": lambda: post(client, path, good, signature="sha256=" + "0" * 64),
        "signature of another body": lambda: post(client, path, good, signature=sign(SECRET, b"{}")),
        "too large": lambda: post(client, path, b'{"x": "' + b"a" * MAX_BODY + b'"}'),
        "not json": lambda: post(client, path, b"webhookEvent=jira:issue_created"),
        "a json array": lambda: post(client, path, b"[1, 2]"),
        "bad utf-8": lambda: post(client, path, b'{"webhookEvent": "\xff\xfe"}'),
    }[case]()
    assert response.status_code == status
    assert response.json["outcome"] == "rejected" and response.json["error"]
    with sessions() as session:
        assert inbox.counts(session)["pending"] == 0


def test_events_pmokit_does_not_handle_are_answered_200_with_the_reason(receiver):
    client, sessions, path = receiver
    for body in (b'{"webhookEvent": "worklog_created", "worklog": {}}', b'{"hello": "world"}',
                 b'{"webhookEvent": "jira:issue_updated", "issue": {"key": "X-1"}}'):
        response = post(client, path, body)
        assert response.status_code == 200 and response.json["outcome"] == "ignored" and response.json["reason"]
    with sessions() as session:
        assert inbox.counts(session)["pending"] == 0


def test_health_readiness_and_metrics(receiver):
    client, _, path = receiver
    assert client.get("/healthz").json == {"status": "alive"}
    assert client.get("/readyz").json["status"] == "ready"
    post(client, path, FIXTURES[0].read_bytes(), identifier="a")
    post(client, path, FIXTURES[0].read_bytes(), identifier="a")
    post(client, path, b"[]")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'pmokit_webhook_requests_total{outcome="accepted"} 1.0' in text
    assert 'pmokit_webhook_requests_total{outcome="duplicate"} 1.0' in text
    assert 'pmokit_webhook_requests_total{outcome="rejected"} 1.0' in text
    assert 'pmokit_inbox_events{status="pending"} 1.0' in text
    assert "pmokit_webhook_ack_seconds_bucket" in text and "pmokit_event_processing_seconds" in text


def test_wrong_method_and_path_are_4xx_json(receiver):
    client, _, path = receiver
    assert client.get(path).status_code == 405
    missing = client.post("/elsewhere", data=b"{}")
    assert missing.status_code == 404 and missing.json["outcome"] == "rejected"

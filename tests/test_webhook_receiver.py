"""The receiver: every real payload is received exactly as its row in ``tests/webhook_fixture_table.py`` says, once;
bad requests get a clear 4xx, and nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import load_settings
from pmokit.store import inbox, open_store
from tests import webhook_fixture_table as table
from webhooks.app import MAX_BODY, create_app
from webhooks.events import Event, Ignored, Invalid, classify
from webhooks.signature import sign

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira"
FIXTURES = sorted(FIXTURE_DIR.glob("*.json"))
SECRET = "test-webhook-secret"


@pytest.fixture
def receiver(tmp_path, monkeypatch):
    from pmokit.cli.sandbox_config import sandbox_config

    monkeypatch.setenv("PMOKIT_WEBHOOK_SECRET", SECRET)
    path = tmp_path / "pmokit.yaml"
    path.write_text(sandbox_config("http://127.0.0.1:9", store=f"sqlite:///{tmp_path / 'store.db'}"), "utf-8")
    settings = load_settings([path])
    store = open_store(settings.store.url, settings.base_dir)
    engine, sessions = store.engine, store.sessions
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


# What the receiver answers and stores (the inbox row), and what the classifier says in full. The inbox keeps
# no comment and no changelog fields: those are checked on the classifier's Event.
RECEIVED = ("webhook_event", "issue_id", "issue_key", "actor", "triggers", "reason")


def table_params(checks: tuple[str, ...] | None):
    """One pytest param per table row; a strict xfail where the row disagrees with the code on a field checked."""
    params = []
    for name, row in sorted(table.TABLE.items()):
        wrong = {f: why for f, why in row.disagrees.items() if checks is None or f in checks}
        marks = [pytest.mark.xfail(strict=True, reason="; ".join(wrong.values()))] if wrong else []
        params.append(pytest.param(name, row, id=Path(name).stem, marks=marks))
    return params


def test_every_fixture_has_a_row_and_every_row_a_fixture():
    files = {p.name for p in FIXTURES}
    assert files and table.FIXTURE_DIR == FIXTURE_DIR
    assert sorted(files - table.TABLE.keys()) == [], "fixtures with no row in tests/webhook_fixture_table.py"
    assert sorted(table.TABLE.keys() - files) == [], "rows in tests/webhook_fixture_table.py with no fixture"


@pytest.mark.parametrize(("name", "row"), table_params(RECEIVED))
def test_every_real_payload_is_accepted_once(receiver, name, row):
    """Each real payload, signed and posted: the exact answer and inbox row of its table row, then a duplicate."""
    client, sessions, path = receiver
    body = (FIXTURE_DIR / name).read_bytes()
    first = post(client, path, body, identifier=f"id-{name}")
    if isinstance(row, table.Ignored):
        assert (first.status_code, first.json) == (200, {"outcome": "ignored", "reason": row.reason})
        again = post(client, path, body, identifier=f"id-{name}")
        assert (again.status_code, again.json) == (200, {"outcome": "ignored", "reason": row.reason})
        with sessions() as session:
            assert inbox.listing(session) == []
        return
    assert (first.status_code, first.json) == (202, {"outcome": "accepted", "issue": row.issue_key or row.issue_id,
                                                     "triggers": list(row.triggers)})
    again = post(client, path, body, identifier=f"id-{name}")
    assert (again.status_code, again.json["outcome"]) == (200, "duplicate")
    with sessions() as session:
        [event] = inbox.listing(session)
        assert (event.webhook_event, event.issue_id, event.issue_key, event.actor, tuple(event.triggers)) == \
            (row.webhook_event, row.issue_id, row.issue_key, row.actor, row.triggers)
        assert event.status == "pending"
        assert json.loads(event.payload) == json.loads(body)


@pytest.mark.parametrize(("name", "row"), table_params(None))
def test_every_real_payload_is_classified_as_its_row(name, row):
    """The pure classifier on each real payload: the full Event (comment and changelog fields too), or the reason."""
    result = classify(json.loads((FIXTURE_DIR / name).read_text(encoding="utf-8")))
    if isinstance(row, table.Ignored):
        assert result == Ignored(row.reason)
    else:
        assert result == Event(row.webhook_event, row.issue_id, row.issue_key, row.actor, row.triggers,
                               row.comment, row.changed)


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


@pytest.mark.parametrize("issue_id", ["²³", "١٢٣", "12\u00b3", "1" * 40, "abc", "-1", "1 "])
def test_an_issue_id_that_is_not_a_jira_id_is_a_400(receiver, issue_id):
    """``str.isdigit()`` is true for superscripts ("²³") and other scripts' digits; a Jira issue id is ASCII
    digits (at most 19: a Java long). Such a body is refused with 400 and never reaches the inbox (one got there
    and sent its whole batch to the dead letters; 40 digits, more than the inbox's column holds, made the
    receiver answer 503 on PostgreSQL, and its neighbours with it)."""
    client, sessions, path = receiver
    payload = json.loads((FIXTURE_DIR / "webhook-issue-updated-labels.json").read_text("utf-8"))
    payload["issue"]["id"] = issue_id
    assert isinstance(classify(payload), Invalid)
    response = post(client, path, json.dumps(payload).encode())
    assert response.status_code == 400 and response.json["outcome"] == "rejected"
    assert response.json["error"] == "jira:issue_updated: the issue id is not a Jira issue id (at most 19 ASCII digits)"
    with sessions() as session:
        assert inbox.counts(session)["pending"] == 0


@pytest.mark.parametrize("issue_key", ["ＳＨＯＰ-1", "SHOP-", "SHOP 1", "A" * 500_000, "-1", "SHOP-1\u0000", "1SHOP-2"])
def test_an_issue_key_that_is_not_a_jira_key_is_a_400(receiver, issue_key):
    client, sessions, path = receiver
    payload = json.loads((FIXTURE_DIR / "webhook-issue-updated-labels.json").read_text("utf-8"))
    payload["issue"]["key"] = issue_key
    response = post(client, path, json.dumps(payload).encode())
    assert response.status_code == 400, response.json
    assert response.json["error"] == "jira:issue_updated: the issue key is not a Jira issue key (PROJECT-123)"
    with sessions() as session:
        assert inbox.counts(session)["pending"] == 0


def test_deliveries_are_counted_by_lane_and_retry_whatever_the_headers_say(receiver):
    """`X-Atlassian-Webhook-Flow` and `X-Atlassian-Webhook-Retry` are not signed: counted in a few fixed values,
    never a 5xx (a 5,000-digit retry count, a superscript digit, a flow nobody sends)."""
    client, _, path = receiver
    body = FIXTURES[0].read_bytes()
    cases = [({"X-Atlassian-Webhook-Flow": "Primary"}, 202), ({"X-Atlassian-Webhook-Flow": "Primary",
                                                               "X-Atlassian-Webhook-Retry": "2"}, 200),
             ({"X-Atlassian-Webhook-Flow": "Secondary", "X-Atlassian-Webhook-Retry": "9" * 5000}, 200),
             ({"X-Atlassian-Webhook-Flow": "sideways", "X-Atlassian-Webhook-Retry": "²"}, 200), ({}, 200)]
    for headers, status in cases:
        answer = client.post(path, data=body, headers={"Content-Type": "application/json", "X-Hub-Signature":
                                                       sign(SECRET, body), **headers})
        assert answer.status_code == status, answer.json
    post(client, path, body, secret=None)  # unsigned: not counted as a delivery
    text = client.get("/metrics").get_data(as_text=True)
    for flow, retried, count in (("primary", "no", 1), ("primary", "yes", 1), ("secondary", "yes", 1),
                                 ("other", "no", 1), ("none", "no", 1)):
        assert f'pmokit_webhook_deliveries_total{{flow="{flow}",retried="{retried}"}} {count}.0' in text

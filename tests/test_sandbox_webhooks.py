"""Webhook deliveries: shaped like the real fixtures, signed, identified, retried like Jira Cloud."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tests.conftest import load_fixture
from tests.receiver import Receiver

SECRET = "it-is-a-secret"
ALL_EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
              "comment_updated", "comment_deleted"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def register(sb, url, events=ALL_EVENTS, jql=None, secret=SECRET):
    body = {"name": "pmokit", "url": url, "events": events, "secret": secret}
    if jql:
        body["filters"] = {"issue-related-events-section": jql}
    response = sb.session().post(f"{sb.url}/rest/webhooks/1.0/webhook", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def activity(sb):
    """Create, edit, transition, comment (create, edit, delete) and delete an issue through the REST API."""
    s, api = sb.session(), f"{sb.url}/rest/api/2"
    key = s.post(f"{api}/issue", json={"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"},
                                                  "summary": "Hook me"}}).json()["key"]
    assert s.put(f"{api}/issue/{key}", json={"fields": {"labels": ["urgent"]}}).status_code == 204
    assert s.post(f"{api}/issue/{key}/transitions", json={"transition": {"id": "21"}}).status_code == 204
    comment = s.post(f"{api}/issue/{key}/comment", json={"body": "hello"}).json()
    assert s.put(f"{api}/issue/{key}/comment/{comment['id']}", json={"body": "edited"}).status_code == 200
    assert s.delete(f"{api}/issue/{key}/comment/{comment['id']}").status_code == 204
    assert s.delete(f"{api}/issue/{key}").status_code == 204
    return key


def keys_of(fixture: str) -> set[str]:
    return set(load_fixture(fixture))


def test_cloud_deliveries_have_the_real_shapes_and_verify(fresh_sandbox, receiver):
    register(fresh_sandbox, receiver.url)
    activity(fresh_sandbox)
    assert fresh_sandbox.flush_webhooks(10)
    expected = {
        "jira:issue_created": "webhook-issue-created.json",
        "jira:issue_deleted": "webhook-issue-deleted.json",
        "comment_created": "webhook-cloud-comment-created.json",
        "comment_updated": "webhook-cloud-comment-updated.json",
        "comment_deleted": "webhook-cloud-comment-deleted.json",
    }
    for event, fixture in expected.items():
        [delivery] = receiver.events(event)
        assert set(delivery.json) == keys_of(fixture), event
        assert set(delivery.json["issue"]) == set(load_fixture(fixture)["issue"]), event
    updates = receiver.events("jira:issue_updated")
    # Deliveries run in parallel, so their order is not guaranteed (nor is it by Jira).
    assert sorted(u.json["issue_event_type_name"] for u in updates) == ["issue_generic", "issue_updated"]
    for update in updates:
        assert set(update.json) == keys_of("webhook-issue-updated-labels.json")
    # Cloud comment events carry a trimmed issue, as the fixture does.
    comment_issue = receiver.events("comment_created")[0].json["issue"]
    assert set(comment_issue["fields"]) == set(load_fixture("webhook-cloud-comment-created.json")["issue"]["fields"])
    identifiers = set()
    for delivery in receiver.received:
        digest = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["X-Hub-Signature"] == f"sha256={digest}"
        identifiers.add(delivery.headers["X-Atlassian-Webhook-Identifier"])
        assert "X-Atlassian-Webhook-Retry" not in delivery.headers
    assert len(identifiers) == len(receiver.received) == 7
    assert "accountId" in receiver.events("jira:issue_created")[0].json["user"]


def test_data_center_wraps_comments_in_issue_updated(dc_sandbox, receiver):
    register(dc_sandbox, receiver.url, secret=None)
    activity(dc_sandbox)
    assert dc_sandbox.flush_webhooks(10)
    updates = [r.json for r in receiver.events("jira:issue_updated")]
    by_type = {u["issue_event_type_name"]: u for u in updates}
    assert set(by_type["issue_commented"]) == keys_of("webhook-server-issue-updated-commented-1.json")
    assert set(by_type["issue_comment_edited"]) == keys_of("webhook-server-issue-updated-comment-edited.json")
    assert set(by_type["issue_comment_deleted"]) == keys_of("webhook-server-issue-updated-comment-deleted.json")
    assert set(by_type["issue_work_started"]) == keys_of("webhook-server-issue-updated-in-progress.json")
    [plain_created] = [r.json for r in receiver.events("comment_created")]
    assert set(plain_created) == keys_of("webhook-server-comment-created.json")
    [plain_deleted] = [r.json for r in receiver.events("comment_deleted")]
    assert set(plain_deleted) == keys_of("webhook-server-comment-deleted.json")
    user = by_type["issue_commented"]["user"]
    assert "accountId" not in user and user["name"] == "admin" and user["key"] == "admin"
    assert all("X-Hub-Signature" not in r.headers for r in receiver.received)


def test_failed_deliveries_are_retried_with_the_same_identifier(fresh_sandbox):
    receiver = Receiver(statuses=[500, 429, 200])
    try:
        register(fresh_sandbox, receiver.url, events=["jira:issue_updated"])
        s = fresh_sandbox.session()
        assert s.put(f"{fresh_sandbox.url}/rest/api/2/issue/SHOP-3",
                     json={"fields": {"labels": ["retry"]}}).status_code == 204
        assert fresh_sandbox.flush_webhooks(10)
        assert len(receiver.received) == 3
        assert len({r.headers["X-Atlassian-Webhook-Identifier"] for r in receiver.received}) == 1
        assert [r.headers.get("X-Atlassian-Webhook-Retry") for r in receiver.received] == [None, "1", "2"]
        stats = fresh_sandbox.stats()["webhook_deliveries"]
        assert stats == {"failed_500": 1, "failed_429": 1, "retried": 2, "delivered": 1}
    finally:
        receiver.close()


def test_a_400_is_not_retried_and_retries_give_up(fresh_sandbox):
    receiver = Receiver(statuses=[400] + [503] * 10)
    try:
        register(fresh_sandbox, receiver.url, events=["jira:issue_updated"])
        s = fresh_sandbox.session()
        for label in ("a", "b"):
            s.put(f"{fresh_sandbox.url}/rest/api/2/issue/SHOP-3", json={"fields": {"labels": [label]}})
        assert fresh_sandbox.flush_webhooks(20)
        stats = fresh_sandbox.stats()["webhook_deliveries"]
        assert stats["rejected_400"] == 1
        assert stats["failed_503"] == 5 and stats["gave_up"] == 1  # five attempts in all, then given up
    finally:
        receiver.close()


def test_injected_receiver_failures_cause_redelivery(fresh_sandbox, receiver):
    register(fresh_sandbox, receiver.url, events=["jira:issue_updated"])
    fresh_sandbox.set_faults(webhook_failures=2)
    fresh_sandbox.session().put(f"{fresh_sandbox.url}/rest/api/2/issue/SHOP-4", json={"fields": {"labels": ["x"]}})
    assert fresh_sandbox.flush_webhooks(10)
    [delivery] = receiver.received
    assert delivery.headers["X-Atlassian-Webhook-Retry"] == "2"
    assert fresh_sandbox.stats()["webhook_deliveries"]["failed_injected"] == 2


def test_jql_filter_limits_deliveries(fresh_sandbox, receiver):
    register(fresh_sandbox, receiver.url, events=["jira:issue_updated"], jql="project = PAY")
    s = fresh_sandbox.session()
    for key in ("SHOP-5", "PAY-5"):
        s.put(f"{fresh_sandbox.url}/rest/api/2/issue/{key}", json={"fields": {"labels": ["filtered"]}})
    assert fresh_sandbox.flush_webhooks(10)
    assert [r.json["issue"]["key"] for r in receiver.received] == ["PAY-5"]


def test_registration_is_listed_and_removed(fresh_sandbox, receiver):
    hook = register(fresh_sandbox, receiver.url)
    s = fresh_sandbox.session()
    listed = s.get(f"{fresh_sandbox.url}/rest/webhooks/1.0/webhook").json()
    assert [h["url"] for h in listed] == [receiver.url]
    assert s.delete(hook["self"]).status_code == 204
    assert s.get(f"{fresh_sandbox.url}/rest/webhooks/1.0/webhook").json() == []
    bad = s.post(f"{fresh_sandbox.url}/rest/webhooks/1.0/webhook", json={"name": "x", "url": receiver.url,
                                                                         "events": ["jira:nope"]})
    assert bad.status_code == 400


def test_the_registration_api_answers_as_jiras_webhooks_plugin(fresh_sandbox, receiver):
    """``/rest/webhooks/1.0/webhook`` as Atlassian's webhooks plugin serves it (its ``RegistrationResource`` and
    ``WebHookListenerServiceImpl``, atlassian-webhooks-plugin): ``POST`` 201 with a ``Location`` and the webhook
    (``self``, ``lastUpdatedUser``, ``lastUpdatedDisplayName``, ``lastUpdated``); ``PUT {id}`` 200, 404 for no
    such webhook; ``GET {id}`` and ``DELETE {id}`` 404 with no body; ``DELETE`` 204; ``PUT {id}/enabled`` with
    ``true``/``false``; a name, URL and events required (400, a ``messages`` list); the same URL, filters and set
    of events as another webhook is a 409 (``validateUniqueRegistration``). The filter as sent, under
    ``filters.issue-related-events-section`` (the Cloud webhooks guide's REST example and every client we read:
    n8n's Jira trigger, jira.js's ``createWebhook``). Only admins (the plugin's ``AdminOnlyResourceFilter``; a
    token without Jira's ADMINISTER permission gets a 403, port-labs/ocean#1672). The secret is write-only (the
    Cloud guide's "secure admin webhooks": it signs, it is never read back); a PUT without it keeps it (observed
    by a client that registers admin webhooks: "Jira keeps the old secret when a request omits it")."""
    s, base = fresh_sandbox.session(), f"{fresh_sandbox.url}/rest/webhooks/1.0/webhook"
    hook = {"name": "pmokit", "url": receiver.url, "events": ["jira:issue_updated"], "secret": SECRET,
            "filters": {"issue-related-events-section": "project in (SHOP, PAY)"}, "excludeBody": False}
    made = s.post(base, json=hook)
    assert made.status_code == 201 and made.headers["Location"] == made.json()["self"]
    body = made.json()
    assert body["self"] == f"{base}/{body['self'].rsplit('/', 1)[1]}"
    assert body["filters"] == {"issue-related-events-section": "project in (SHOP, PAY)"}
    assert body["lastUpdatedDisplayName"] == "Sandbox Admin" and "secret" not in body
    # The same URL, filter and events again: a conflict, not a second webhook. Another set of events is another.
    again = s.post(base, json=hook)
    assert again.status_code == 409 and again.json()["messages"][0]["key"] == "webhooks.duplicate.registration"
    other = s.post(base, json={**hook, "events": ["jira:issue_created"]})
    assert other.status_code == 201
    # Updating the first into the second's registration is a conflict too; into its own, fine.
    assert s.put(body["self"], json={**hook, "events": ["jira:issue_created"]}).status_code == 409
    changed = s.put(body["self"], json={k: v for k, v in hook.items() if k != "secret"}
                    | {"events": ["jira:issue_updated", "comment_created"]})
    assert changed.status_code == 200 and changed.json()["events"] == ["jira:issue_updated", "comment_created"]
    assert s.put(f"{base}/999999", json=hook).status_code == 404
    # The secret kept through the PUT that left it out: deliveries are still signed with it.
    s.put(f"{fresh_sandbox.url}/rest/api/2/issue/SHOP-3", json={"fields": {"labels": ["signed"]}})
    assert fresh_sandbox.flush_webhooks(10)
    [delivery] = receiver.events("jira:issue_updated")
    assert delivery.headers["X-Hub-Signature"] == "sha256=" + hmac.new(SECRET.encode(), delivery.body,
                                                                       hashlib.sha256).hexdigest()
    missing = s.post(base, json={"url": receiver.url, "events": ["jira:issue_updated"]})
    assert missing.status_code == 400 and missing.json()["messages"][0]["key"] == "name"
    off = s.put(f"{body['self']}/enabled", data="false", headers={"Content-Type": "application/json"})
    assert off.status_code == 200 and off.json() is False and s.get(body["self"]).json()["enabled"] is False
    assert s.delete(body["self"]).status_code == 204
    gone = s.get(body["self"])
    assert gone.status_code == 404 and not gone.content
    assert s.delete(body["self"]).status_code == 404
    # pmokit's own account is no Jira administrator: it may not register webhooks.
    bot = fresh_sandbox.session("pmokit-bot@example.com", "sandbox-pmokit-bot")
    assert bot.post(base, json={**hook, "url": f"{receiver.url}/x"}).status_code == 403
    assert bot.get(base).status_code == 403

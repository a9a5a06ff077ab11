"""Atlassian JSON becomes pmokit's records in one place; checked on real webhook payloads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from connector import adf
from connector.translate import (
    FieldCatalog,
    Vocabulary,
    changes_from_histories,
    comment_from_json,
    issue_from_json,
    parse_datetime,
)
from pmokit.records import StatusCategory
from tests.conftest import WEBHOOK_FIXTURES, load_fixture

ISSUE_FIXTURES = sorted(p.name for p in WEBHOOK_FIXTURES.glob("*.json")
                        if "fields" in load_fixture(p.name).get("issue", {}))


@pytest.mark.parametrize("name", ISSUE_FIXTURES)
def test_every_fixture_issue_translates(name):
    raw = load_fixture(name)["issue"]
    issue = issue_from_json(raw)
    fields = raw["fields"]
    assert issue.id == raw["id"] and issue.key == raw["key"]
    assert issue.project_key == raw["key"].rsplit("-", 1)[0]
    assert issue.issue_type == fields["issuetype"]["name"]
    assert issue.status == fields["status"]["name"]
    assert issue.status_category.value == fields["status"]["statusCategory"]["key"]
    assert issue.labels == tuple(fields.get("labels") or ())


def test_cloud_and_server_users_are_identified():
    cloud = issue_from_json(load_fixture("webhook-issue-updated-assigned.json")["issue"])
    server = issue_from_json(load_fixture("webhook-server-issue-updated-closed.json")["issue"])
    assert cloud.assignee.id == "5c5f880629be9642ba529340" and cloud.assignee.display_name == "Test User"
    assert server.assignee.id == "admin"
    assert server.status_category is StatusCategory.DONE and server.is_done


def test_dates_keep_their_offset():
    issue = issue_from_json(load_fixture("webhook-issue-created.json")["issue"])
    assert issue.created == datetime(2019, 2, 15, 19, 1, 52, 971000, tzinfo=timezone(timedelta(hours=-8)))
    assert parse_datetime("2024-01-02T03:04:05.000Z") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_datetime("not a date") is None


def test_custom_fields_by_logical_name_and_phase_from_status():
    raw = load_fixture("webhook-cloud-issue-updated-custom-field.json")["issue"]
    catalog = FieldCatalog.from_json([{"id": "customfield_10016", "name": "Story Points"},
                                      {"id": "duedate", "name": "Due date"}])
    assert catalog.resolve("story points") == "customfield_10016"
    assert catalog.resolve("customfield_10016") == "customfield_10016"
    assert catalog.resolve("Budget") is None
    raw = {**raw, "fields": {**raw["fields"], "customfield_10016": 5, "duedate": "2024-03-01",
                             "customfield_20000": {"value": "Gold", "id": "1"}}}
    vocabulary = Vocabulary(logical_fields={"story_points": "customfield_10016", "tier": "customfield_20000"},
                            phase_by_status={"to do": "initiation"})
    issue = issue_from_json(raw, vocabulary)
    assert issue.story_points == 5.0
    assert issue.value("tier") == "Gold"
    assert issue.value("missing") is None
    assert issue.due == date(2024, 3, 1)
    assert issue.phase == "initiation"


def test_phase_from_a_field():
    raw = load_fixture("webhook-issue-created.json")["issue"]
    raw = {**raw, "fields": {**raw["fields"], "customfield_30000": {"value": "规划"}}}
    vocabulary = Vocabulary(logical_fields={"phase": "customfield_30000"}, phase_field="phase",
                            phase_by_value={"规划": "planning"})
    assert issue_from_json(raw, vocabulary).phase == "planning"


def test_changelog_items_become_changes():
    payload = load_fixture("webhook-issue-updated-resolved.json")
    history = {**payload["changelog"], "created": "2019-02-16T13:12:10.037-0800", "author": payload["user"]}
    changes = changes_from_histories(payload["issue"]["id"], [history])
    assert [c.field for c in changes] == [item["field"] for item in payload["changelog"]["items"]]
    status = next(c for c in changes if c.field == "status")
    assert status.to_string == "Done"
    assert status.author.id == payload["user"]["accountId"]


def test_comment_from_cloud_payload():
    payload = load_fixture("webhook-cloud-comment-created.json")
    comment = comment_from_json(payload["issue"]["id"], payload["comment"])
    assert comment.body == "Added a comment"
    assert comment.author.display_name == "Test User"


def test_adf_round_trip_keeps_headings_and_bullets():
    text = "h2. Scope\nShip the app.\n* first\n* second\nh2. Risks\nNone."
    document = adf.from_text(text)
    assert document["type"] == "doc"
    assert adf.to_text(document) == text
    assert adf.to_text("wiki *text*") == "wiki *text*"
    assert adf.to_text(None) == ""

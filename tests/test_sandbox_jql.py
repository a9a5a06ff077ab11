"""JQL over HTTP: the subset pmokit and common clients send, and 400s for everything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def search(sb, jql: str, **extra):
    response = sb.session().post(f"{sb.url}/rest/api/3/search/jql",
                                 json={"jql": jql, "maxResults": 5000, **extra})
    return response


def keys(sb, jql: str) -> list[str]:
    response = search(sb, jql)
    assert response.status_code == 200, response.text
    return [i["key"] for i in response.json()["issues"]]


def expect(sb, predicate) -> set[str]:
    return {i.key for i in sb.state.live_issues() if predicate(i)}


CASES = [
    ("project = SHOP", lambda i: i.project_key == "SHOP"),
    ("project in (SHOP, pay) AND issuetype = Milestone", lambda i: i.project_key in ("SHOP", "PAY")
     and i.issue_type == "Milestone"),
    ("project = RISK AND statusCategory != Done", lambda i: i.project_key == "RISK" and i.status != "10002"),
    ("project = LOG AND status in ('To Do', \"In Progress\")", lambda i: i.project_key == "LOG"
     and i.status in ("10000", "3")),
    ("labels = backend AND project = WMS", lambda i: "backend" in i.labels and i.project_key == "WMS"),
    ("project = CMS AND labels is EMPTY", lambda i: i.project_key == "CMS" and not i.labels),
    ("project = SHOP AND assignee is EMPTY", lambda i: i.project_key == "SHOP" and i.assignee is None),
    ("project = SHOP AND NOT (issuetype = Story OR issuetype = Bug)",
     lambda i: i.project_key == "SHOP" and i.issue_type not in ("Story", "Bug")),
    ("parent = PAY-1", lambda i: i.parent == 10_000 + 1 + 8 * 250),
    ("summary ~ checkout AND project = OMS", lambda i: "checkout" in i.summary.lower() and i.project_key == "OMS"),
    ("key >= SHOP-240 AND key < SHOP-245", lambda i: i.project_key == "SHOP" and 240 <= i.number < 245),
    ("issuetype = Project AND status = Execution", lambda i: i.issue_type == "Project" and i.status == "10102"),
    ("project = SHOP AND duedate <= 2026-12-01", lambda i: i.project_key == "SHOP" and i.duedate is not None
     and i.duedate <= datetime(2026, 12, 1).date()),
]


@pytest.mark.parametrize("jql, predicate", CASES, ids=[c[0] for c in CASES])
def test_subset_evaluates_like_jira(sandbox, jql, predicate):
    assert set(keys(sandbox, jql)) == expect(sandbox, predicate)
    assert keys(sandbox, jql)  # every case matches something in the demo


def test_order_by(sandbox):
    ordered = keys(sandbox, "project = SHOP AND issuetype = Milestone ORDER BY duedate DESC, key ASC")
    dues = [sandbox.state.issue(k).duedate for k in ordered]
    assert dues == sorted(dues, reverse=True)


@pytest.mark.parametrize("jql, message", [
    ("nosuchfield = 1", "Field 'nosuchfield' does not exist or you do not have permission to view it."),
    ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ("project = SHOP AND status WAS Done", "Error in the JQL Query: Expecting operator but got 'WAS'."),
    ("project = SHOP ORDER BY fish", "Not able to sort using field 'fish'."),
    ("project = SHOP AND updated >= 'yesterday'", "Date value 'yesterday' for field is invalid."),
    ("issuetype ~ Story", "The operator '~' is not supported by the 'issuetype' field."),
    ("project = SHOP AND issueFunction in linkedIssuesOf('x')", "Field 'issueFunction' does not exist"),
    ("", "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."),
    ("ORDER BY created", "Unbounded JQL queries are not allowed here."),
])
def test_outside_the_subset_is_a_400(sandbox, jql, message):
    response = search(sandbox, jql)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errorMessages", "errors"}
    assert body["errorMessages"][0].startswith(message)


def test_dates_are_minutes_in_the_searching_users_time_zone(fresh_sandbox):
    sb = fresh_sandbox
    session = sb.session()
    key = session.post(f"{sb.url}/rest/api/2/issue", json={"fields": {
        "project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "now"}}).json()["key"]
    updated = sb.state.issue(key).updated
    zone = ZoneInfo(sb.state.users["557058:0a1b2c3d-admin"].time_zone)
    local_minute = updated.astimezone(zone).replace(second=0, microsecond=0)
    before = (local_minute).strftime("%Y-%m-%d %H:%M")
    after = (local_minute + timedelta(minutes=1)).strftime("%Y/%m/%d %H:%M")
    assert key in keys(sb, f'project = SHOP AND updated >= "{before}"')
    assert key not in keys(sb, f'project = SHOP AND updated >= "{after}"')
    utc_minute = updated.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    # The same wall-clock minute read as UTC is eight hours off in Asia/Shanghai.
    assert zone.utcoffset(datetime.now()) != timedelta(0)
    assert key not in keys(sb, f'project = SHOP AND updated < "{utc_minute}" AND updated >= "{before}"')
    assert key in keys(sb, "project = SHOP AND updated >= -5m")


def test_cloud_page_sizes_and_tokens(sandbox):
    ids_only = search(sandbox, "project in (SHOP, MOB, SRCH)").json()
    assert len(ids_only["issues"]) == 750 and ids_only["isLast"] is True and "nextPageToken" not in ids_only
    with_fields = search(sandbox, "project in (SHOP, MOB, SRCH)", fields=["summary"]).json()
    assert len(with_fields["issues"]) == 100 and with_fields["isLast"] is False
    seen = [i["key"] for i in with_fields["issues"]]
    token = with_fields["nextPageToken"]
    while token:
        page = search(sandbox, "project in (SHOP, MOB, SRCH)", fields=["summary"], nextPageToken=token).json()
        seen += [i["key"] for i in page["issues"]]
        token = page.get("nextPageToken")
    assert len(seen) == len(set(seen)) == 750
    wrong = search(sandbox, "project = SHOP", nextPageToken=with_fields["nextPageToken"])
    assert wrong.status_code == 400


def test_inline_changelog_is_cut_to_the_latest_100(sandbox):
    long_one = next(i for i in sandbox.state.live_issues() if i.seeded_histories > 100)
    body = search(sandbox, f"key = {long_one.key}", fields=["summary"], expand="changelog").json()
    changelog = body["issues"][0]["changelog"]
    assert changelog["total"] == long_one.seeded_histories and len(changelog["histories"]) == 100
    page = sandbox.session().get(f"{sandbox.url}/rest/api/3/issue/{long_one.key}/changelog",
                                 params={"startAt": 100}).json()
    assert page["total"] == long_one.seeded_histories and len(page["values"]) == long_one.seeded_histories - 100


def test_bulk_changelog_pages_cover_every_history(sandbox):
    issues = [i for i in sandbox.state.live_issues() if i.project_key == "PAY"]
    total = sum(i.seeded_histories for i in issues)
    session, seen, token = sandbox.session(), 0, None
    while True:
        body = {"issueIdsOrKeys": [str(i.id) for i in issues], "maxResults": 1000}
        if token:
            body["nextPageToken"] = token
        page = session.post(f"{sandbox.url}/rest/api/3/changelog/bulkfetch", json=body).json()
        seen += sum(len(log["changeHistories"]) for log in page["issueChangeLogs"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == total


def test_data_center_search_pages_with_total_and_caps(dc_sandbox):
    sb = dc_sandbox
    session = sb.session()
    assert session.post(f"{sb.url}/rest/api/2/search/jql", json={"jql": "project = SHOP"}).status_code == 404
    body = session.get(f"{sb.url}/rest/api/2/search", params={"jql": "project = SHOP", "startAt": 200,
                                                              "maxResults": 5000}).json()
    assert body["total"] == 250 and body["startAt"] == 200 and body["maxResults"] == 1000
    assert len(body["issues"]) == 50
    unbounded = session.get(f"{sb.url}/rest/api/2/search", params={"maxResults": 1}).json()
    assert unbounded["total"] == len(sb.state.live_issues())

"""Every kind of response pmokit receives from the sandbox agrees with Atlassian's OpenAPI descriptions."""

from __future__ import annotations

import json

import pytest
import requests
from openapi_core.validation.response.exceptions import InvalidData

from tests.openapi_check import CONFLUENCE_V1, CONFLUENCE_V2, JIRA, check

JIRA_READS = [
    ("GET", "/rest/api/3/serverInfo", {}),
    ("GET", "/rest/api/3/myself", {}),
    ("GET", "/rest/api/3/field", {}),
    ("GET", "/rest/api/3/project", {}),
    ("GET", "/rest/api/3/project/SHOP", {}),
    ("GET", "/rest/api/3/project/SHOP/statuses", {}),
    ("GET", "/rest/api/3/projectCategory", {}),
    ("GET", "/rest/api/3/groups/picker", {"params": {"query": "pm", "caseInsensitive": "true"}}),
    ("GET", "/rest/api/3/status", {}),
    ("GET", "/rest/api/3/project/search", {"params": {"maxResults": 5}}),
    ("GET", "/rest/api/3/user", {"params": {"accountId": "5b10ac8d82e05b22cc7d0000"}}),
    ("GET", "/rest/api/3/user/search", {"params": {"query": "li"}}),
    ("GET", "/rest/api/3/group/member", {"params": {"groupname": "pmo"}}),
    ("GET", "/rest/api/3/group", {"params": {"groupname": "pmo", "expand": "users"}}),
    ("GET", "/rest/api/3/search/jql", {"params": {"jql": "project = SHOP", "maxResults": 5000}}),
    ("GET", "/rest/api/3/search/jql", {"params": {"jql": "project = SHOP", "fields": "*all", "maxResults": 20}}),
    ("POST", "/rest/api/3/search/jql", {"json": {"jql": "project = PAY ORDER BY updated DESC", "fields": ["*navigable"],
                                                 "expand": "changelog", "maxResults": 10}}),
    ("POST", "/rest/api/3/search/approximate-count", {"json": {"jql": "project = SHOP"}}),
    ("POST", "/rest/api/3/issue/bulkfetch", {"json": {"issueIdsOrKeys": ["SHOP-1", "SHOP-2", "10003"],
                                                      "fields": ["*all"], "expand": ["changelog"]}}),
    ("POST", "/rest/api/3/changelog/bulkfetch", {"json": {"issueIdsOrKeys": ["SHOP-1", "SHOP-6"], "maxResults": 3}}),
    ("GET", "/rest/api/3/issue/SHOP-1", {"params": {"expand": "changelog,names"}}),
    ("GET", "/rest/api/3/issue/SHOP-1/changelog", {"params": {"maxResults": 2}}),
    ("GET", "/rest/api/3/issue/SHOP-1/transitions", {}),
    ("GET", "/rest/api/3/issue/SHOP-1/comment", {}),
    ("GET", "/rest/api/3/issue/SHOP-1/remotelink", {}),
]


@pytest.mark.parametrize("method, path, kwargs", JIRA_READS, ids=lambda v: v if isinstance(v, str) else "")
def test_jira_reads_match_the_description(sandbox, method, path, kwargs):
    response = sandbox.session().request(method, sandbox.url + path, **kwargs)
    assert response.status_code == 200, response.text
    check(JIRA, sandbox.url, response)


def _doc(text: str) -> dict:
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text",
                                                                                          "text": text}]}]}


def test_jira_writes_match_the_description(fresh_sandbox):
    sb, session = fresh_sandbox, fresh_sandbox.session()
    url = sb.url + "/rest/api/3"
    created = session.post(f"{url}/issue", json={"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"},
                                                             "summary": "Checked against the description",
                                                             "description": _doc("Body")}})
    assert created.status_code == 201
    check(JIRA, sb.url, created)
    key = created.json()["key"]
    edited = session.put(f"{url}/issue/{key}", json={"update": {"labels": [{"add": "pmo-flag"}]}})
    assert edited.status_code == 204
    check(JIRA, sb.url, edited)
    comment = session.post(f"{url}/issue/{key}/comment", json={"body": _doc("pmokit says hello")})
    assert comment.status_code == 201
    check(JIRA, sb.url, comment)
    updated = session.put(f"{url}/issue/{key}/comment/{comment.json()['id']}", json={"body": _doc("edited")})
    assert updated.status_code == 200
    check(JIRA, sb.url, updated)
    transition = session.post(f"{url}/issue/{key}/transitions", json={"transition": {"id": "21"}})
    assert transition.status_code == 204
    check(JIRA, sb.url, transition)
    link = session.post(f"{url}/issue/{key}/remotelink", json={"object": {"url": "https://example.com/doc",
                                                                          "title": "Doc"}})
    assert link.status_code == 201
    check(JIRA, sb.url, link)
    history = session.get(f"{url}/issue/{key}/changelog")
    check(JIRA, sb.url, history)
    # Every write left its history, the web link included (Jira records it as RemoteIssueLink).
    assert [item["field"] for h in history.json()["values"] for item in h["items"]] == [
        "labels", "status", "RemoteIssueLink"]


CONFLUENCE_V1_READS = [
    ("GET", "/wiki/rest/api/space/PMO", {}),
    ("GET", "/wiki/rest/api/content", {"params": {"spaceKey": "PMO", "title": "Portfolio Reports",
                                                  "expand": "version,ancestors,body.storage"}}),
    ("GET", "/wiki/rest/api/content", {"params": {"spaceKey": "PMO", "limit": 3}}),
    ("GET", "/wiki/rest/api/content/search", {"params": {"cql": 'type = page and label in ("feasibility-study")',
                                                         "expand": "ancestors,metadata.labels", "limit": 4}}),
]
CONFLUENCE_V2_READS = [
    ("GET", "/wiki/api/v2/spaces", {"params": {"keys": "PMO"}}),
    ("GET", "/wiki/api/v2/pages", {"params": {"limit": 2}}),
    ("GET", "/wiki/api/v2/pages", {"params": {"title": "Portfolio Reports", "body-format": "storage"}}),
]


@pytest.mark.parametrize("method, path, kwargs", CONFLUENCE_V1_READS + CONFLUENCE_V2_READS,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_confluence_reads_match_the_description(sandbox, method, path, kwargs):
    response = sandbox.session().request(method, sandbox.url + path, **kwargs)
    assert response.status_code == 200, response.text
    check(CONFLUENCE_V2 if path.startswith("/wiki/api/v2") else CONFLUENCE_V1, sandbox.url, response)


def test_confluence_writes_match_the_description(fresh_sandbox):
    sb, session = fresh_sandbox, fresh_sandbox.session()
    space = session.get(f"{sb.url}/wiki/api/v2/spaces", params={"keys": "PMO"}).json()["results"][0]
    parent = session.get(f"{sb.url}/wiki/rest/api/content", params={"spaceKey": "PMO",
                                                                     "title": "Portfolio Reports"}).json()
    parent_id = parent["results"][0]["id"]
    v1 = session.post(f"{sb.url}/wiki/rest/api/content", json={
        "type": "page", "title": "v1 page", "space": {"key": "PMO"}, "ancestors": [{"id": parent_id}],
        "body": {"storage": {"value": "<p>one</p>", "representation": "storage"}}})
    assert v1.status_code == 200
    check(CONFLUENCE_V1, sb.url, v1)
    page_id = v1.json()["id"]
    for path in (f"/wiki/rest/api/content/{page_id}", f"/wiki/rest/api/content/{parent_id}/child/page",
                 f"/wiki/rest/api/content/{page_id}/label"):
        response = session.get(sb.url + path, params={"expand": "body.storage,version"})
        assert response.status_code == 200
        check(CONFLUENCE_V1, sb.url, response)
    put = session.put(f"{sb.url}/wiki/rest/api/content/{page_id}", json={
        "type": "page", "title": "v1 page", "version": {"number": 2, "minorEdit": True},
        "body": {"storage": {"value": "<p>two</p>", "representation": "storage"}}})
    assert put.status_code == 200
    check(CONFLUENCE_V1, sb.url, put)
    labels = session.post(f"{sb.url}/wiki/rest/api/content/{page_id}/label", json=[{"prefix": "global",
                                                                                     "name": "pmokit"}])
    check(CONFLUENCE_V1, sb.url, labels)
    attach = session.post(f"{sb.url}/wiki/rest/api/content/{page_id}/child/attachment",
                          headers={"X-Atlassian-Token": "no-check"}, files={"file": ("chart.png", b"\x89PNG",
                                                                                      "image/png")})
    assert attach.status_code == 200
    check(CONFLUENCE_V1, sb.url, attach)
    listed = session.get(f"{sb.url}/wiki/rest/api/content/{page_id}/child/attachment")
    check(CONFLUENCE_V1, sb.url, listed)

    v2 = session.post(f"{sb.url}/wiki/api/v2/pages", json={
        "spaceId": space["id"], "status": "current", "title": "v2 page", "parentId": parent_id,
        "body": {"representation": "storage", "value": "<p>v2</p>"}})
    assert v2.status_code == 200
    check(CONFLUENCE_V2, sb.url, v2)
    v2_id = v2.json()["id"]
    for path in (f"/wiki/api/v2/pages/{v2_id}", f"/wiki/api/v2/pages/{parent_id}/children",
                 f"/wiki/api/v2/pages/{page_id}/labels", f"/wiki/api/v2/pages/{page_id}/attachments",
                 f"/wiki/api/v2/spaces/{space['id']}/pages"):
        response = session.get(sb.url + path, params={"body-format": "storage"})
        assert response.status_code == 200, path
        check(CONFLUENCE_V2, sb.url, response)
    updated = session.put(f"{sb.url}/wiki/api/v2/pages/{v2_id}", json={
        "id": v2_id, "status": "current", "title": "v2 page", "version": {"number": 2, "minorEdit": True},
        "body": {"representation": "storage", "value": "<p>v2 again</p>"}})
    assert updated.status_code == 200
    check(CONFLUENCE_V2, sb.url, updated)


def test_a_response_that_contradicts_the_description_fails(sandbox):
    """The check is not a rubber stamp: a search result with the wrong shape is refused."""
    response = sandbox.session().get(sandbox.url + "/rest/api/3/search/jql", params={"jql": "project = SHOP"})
    check(JIRA, sandbox.url, response)
    broken = requests.Response()
    broken.status_code, broken.request = 200, response.request
    broken.headers["Content-Type"] = "application/json"
    broken._content = json.dumps({"issues": "not a list", "isLast": "maybe"}).encode()
    with pytest.raises(InvalidData):
        check(JIRA, sandbox.url, broken)
    extra = requests.Response()
    extra.status_code, extra.request = 200, response.request
    extra.headers["Content-Type"] = "application/json"
    extra._content = json.dumps({"issues": [], "isLast": True, "total": 3}).encode()
    with pytest.raises(InvalidData):
        check(JIRA, sandbox.url, extra)

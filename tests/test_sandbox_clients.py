"""The sandbox driven by the clients users use: the `jira` library and atlassian-python-api."""

from __future__ import annotations

import re
import warnings

import pytest
import requests
from atlassian import Confluence
from jira import JIRA

from sandbox.server import ADMIN_EMAIL, ADMIN_TOKEN


def jira_client(sb) -> JIRA:
    if sb.options.flavor == "cloud":
        return JIRA(server=sb.url, basic_auth=(ADMIN_EMAIL, ADMIN_TOKEN), max_retries=0)
    return JIRA(server=sb.url, token_auth=ADMIN_TOKEN, max_retries=0)


def test_jira_enhanced_search_follows_page_tokens_to_every_issue(sandbox):
    client = jira_client(sandbox)
    expected = sorted(i.key for i in sandbox.state.live_issues() if i.project_key in ("SHOP", "PAY"))
    issues = client.enhanced_search_issues("project in (SHOP, PAY) ORDER BY key", maxResults=0,
                                           fields="summary,status")
    assert sorted(i.key for i in issues) == expected
    assert len(issues) > 100  # more than one page of 100 issues with fields
    assert all(i.fields.summary for i in issues)
    assert client.approximate_issue_count("project = SHOP") == len([k for k in expected if k.startswith("SHOP")])


def test_jira_transitions_by_name_and_comments(fresh_sandbox):
    client = jira_client(fresh_sandbox)
    issue = client.issue("SHOP-20")
    names = {t["name"]: t["id"] for t in client.transitions(issue)}
    target = "Done" if issue.fields.status.name != "Done" else "To Do"
    client.transition_issue(issue, names[target])
    assert client.issue("SHOP-20").fields.status.name == target
    comment = client.add_comment("SHOP-20", "Checked by pmokit")
    assert [c.body for c in client.comments("SHOP-20")][-1] == "Checked by pmokit"
    comment.update(body="Checked again")
    assert client.comment("SHOP-20", comment.id).body == "Checked again"
    changelog = client.issue("SHOP-20", expand="changelog").changelog
    assert changelog.histories[0].items[0].field == "status"  # newest first
    assert changelog.histories[0].items[0].toString == target


def test_jira_record_workflow_refuses_a_skipped_phase(fresh_sandbox):
    client = jira_client(fresh_sandbox)
    record = client.issue("OMS-1")  # a project record in Initiation
    assert record.fields.status.name == "Initiation"
    assert [t["name"] for t in client.transitions(record)] == ["Planning", "Cancel"]  # the next phase, or stop
    session = fresh_sandbox.session()
    skip = session.post(f"{fresh_sandbox.url}/rest/api/2/issue/OMS-1/transitions", json={"transition": {"id": "131"}})
    assert skip.status_code == 400
    assert skip.json()["errorMessages"] == ["Transition id '131' is not valid for this issue."]
    # Cancelling resolves it (with the resolution asked for); any phase can be taken up again from there.
    cancel = session.post(f"{fresh_sandbox.url}/rest/api/2/issue/OMS-1/transitions",
                          json={"transition": {"id": "191"}, "fields": {"resolution": {"name": "Won't Do"}}})
    assert cancel.status_code == 204, cancel.text
    cancelled = client.issue("OMS-1")
    assert (cancelled.fields.status.name, cancelled.fields.resolution.name) == ("Cancelled", "Won't Do")
    assert {t["name"] for t in client.transitions(cancelled)} == {"Initiation", "Planning", "Execution", "Acceptance",
                                                                  "Closure"}
    # A resolution is set only on the way into a done status (elsewhere Jira says the field is not on the screen).
    refused = session.post(f"{fresh_sandbox.url}/rest/api/2/issue/OMS-1/transitions",
                           json={"transition": {"id": "111"}, "fields": {"resolution": {"name": "Done"}}})
    assert refused.status_code == 400 and "not on the appropriate screen" in refused.json()["errors"]["resolution"]


def test_a_transition_into_done_takes_a_resolution_and_others_refuse_it(fresh_sandbox):
    """atlassian/gajira-transition#30: `{"fields": {"resolution": {"name": "Won't Do"}}}` on the transition to a
    closed status closes the issue as "Won't Do"; mozilla/jira-bugzilla-integration#294 and #1258: where the
    transition has no Resolution on its screen, Jira answers 400 "Field 'resolution' cannot be set. It is not on
    the appropriate screen, or unknown." """
    sb = fresh_sandbox
    client = jira_client(sb)
    session = sb.session()
    url = f"{sb.url}/rest/api/2/issue/SHOP-20/transitions"
    if client.issue("SHOP-20").fields.status.name != "To Do":
        to_do = next(t for t in session.get(url).json()["transitions"] if t["name"] == "To Do")
        assert session.post(url, json={"transition": {"id": to_do["id"]}}).status_code == 204
    names = {t["name"]: t for t in session.get(url).json()["transitions"]}
    done, progress = names["Done"], names["In Progress"]
    assert done["hasScreen"] is True and progress["hasScreen"] is False
    refused = session.post(url, json={"transition": {"id": progress["id"]}, "fields": {"resolution": {"name": "Done"}}})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "resolution": "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."}
    unknown = session.post(url, json={"transition": {"id": done["id"]}, "fields": {"resolution": {"name": "Nope"}}})
    assert unknown.status_code == 400 and "Won't Do" in unknown.json()["errors"]["resolution"]
    assert session.post(url, json={"transition": {"id": done["id"]},
                                   "fields": {"resolution": {"name": "Won't Do"}}}).status_code == 204
    fields = client.issue("SHOP-20").fields
    assert fields.status.name == "Done" and fields.resolution.name == "Won't Do" and fields.resolutiondate
    # Reopened: the resolution is cleared; closed again with none given: "Done".
    assert session.post(url, json={"transition": {"id": progress["id"]}}).status_code == 204
    assert client.issue("SHOP-20").fields.resolution is None
    assert session.post(url, json={"transition": {"id": done["id"]}}).status_code == 204
    assert client.issue("SHOP-20").fields.resolution.name == "Done"
    items = [(getattr(i, "fromString", None), getattr(i, "toString", None))  # newest first
             for h in client.issue("SHOP-20", expand="changelog").changelog.histories for i in h.items
             if i.field == "resolution"]
    assert items[:3] == [(None, "Done"), ("Won't Do", None), (None, "Won't Do")]


def test_jira_data_center_paging_with_total(dc_sandbox):
    client = jira_client(dc_sandbox)
    assert client._is_cloud is False
    expected = sum(1 for i in dc_sandbox.state.live_issues() if i.project_key == "WMS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        issues = client.search_issues("project = WMS", maxResults=False, fields="summary")
    assert len(issues) == expected == issues.total


@pytest.mark.parametrize("api_version", [1, 2])
def test_confluence_cloud_client_creates_and_updates_pages(fresh_sandbox, api_version):
    sb = fresh_sandbox
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        confluence = Confluence(sb.wiki_url, username=ADMIN_EMAIL, password=ADMIN_TOKEN, cloud=True,
                                api_version=api_version)
    space_id = sb.state.spaces["PMO"].id
    parent = next(p.id for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    created = confluence.create_page(space_id=space_id, title=f"Portfolio v{api_version}",
                                     body="<p>Status: <ac:structured-macro ac:name=\"status\"><ac:parameter "
                                          "ac:name=\"colour\">Green</ac:parameter></ac:structured-macro></p>",
                                     parent_id=parent)
    page_id = created["id"]
    page = sb.state.pages[page_id]
    assert page.parent_id == parent and page.version == 1
    confluence.update_page(page_id, title=f"Portfolio v{api_version}", body="<p>Updated</p>", version=1)
    assert page.version == 2 and page.body == "<p>Updated</p>"
    if api_version == 2:
        fetched = confluence.get_page_by_id(page_id, body_format="storage")
        assert fetched["body"]["storage"]["value"] == "<p>Updated</p>"


def test_confluence_stale_version_is_a_conflict(fresh_sandbox):
    sb = fresh_sandbox
    session = sb.session()
    page = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    stale = session.put(f"{sb.url}/wiki/rest/api/content/{page.id}", json={
        "type": "page", "title": page.title, "version": {"number": page.version},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}})
    assert stale.status_code == 409
    assert stale.json()["message"] == f"Version must be incremented on update. Current version is: {page.version}"


def test_confluence_attach_file_creates_then_updates(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    confluence = Confluence(sb.wiki_url, username=ADMIN_EMAIL, password=ADMIN_TOKEN, cloud=False)
    page = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    chart = tmp_path / "burnup.png"
    chart.write_bytes(b"\x89PNG first")
    confluence.attach_file(str(chart), name="burnup.png", content_type="image/png", page_id=page.id)
    chart.write_bytes(b"\x89PNG second")
    confluence.attach_file(str(chart), name="burnup.png", content_type="image/png", page_id=page.id)
    [attachment] = page.attachments
    assert attachment.version == 2 and attachment.data == b"\x89PNG second"
    download = sb.session().get(f"{sb.url}/wiki/download/attachments/{page.id}/burnup.png")
    assert download.content == b"\x89PNG second"
    # The page view for people is open without a login, and so are the images it shows (else a browser stops
    # at a login prompt for each chart); the REST API is not.
    page.body = '<p><ac:image><ri:attachment ri:filename="burnup.png" /></ac:image></p>'
    view = requests.get(f"{sb.url}/wiki/spaces/PMO/pages/{page.id}", timeout=10).text
    [src] = re.findall(r"<img src='([^']+)'", view)
    assert requests.get(f"{sb.url}{src}", timeout=10).content == b"\x89PNG second"
    assert requests.get(f"{sb.url}/wiki/rest/api/content/{page.id}/child/attachment", timeout=10).status_code == 401


def test_confluence_rejects_malformed_storage_format(fresh_sandbox):
    sb = fresh_sandbox
    session = sb.session()
    response = session.post(f"{sb.url}/wiki/rest/api/content", json={
        "type": "page", "title": "Broken", "space": {"key": "PMO"},
        "body": {"storage": {"value": "<p><b>unclosed</p>", "representation": "storage"}}})
    assert response.status_code == 400
    assert "Error parsing xhtml" in response.json()["message"]
    undeclared = session.post(f"{sb.url}/wiki/rest/api/content", json={
        "type": "page", "title": "Macro", "space": {"key": "PMO"},
        "body": {"storage": {"value": "<p>&nbsp;<ac:structured-macro ac:name=\"toc\"/><x:y/></p>",
                             "representation": "storage"}}})
    assert undeclared.status_code == 400  # only ac: and ri: are declared
    fine = session.post(f"{sb.url}/wiki/rest/api/content", json={
        "type": "page", "title": "Fine", "space": {"key": "PMO"},
        "body": {"storage": {"value": "<p>&nbsp;<ac:structured-macro ac:name=\"toc\"/></p>",
                             "representation": "storage"}}})
    assert fine.status_code == 200


def test_attachment_upload_needs_the_xsrf_header(fresh_sandbox):
    sb = fresh_sandbox
    page = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    url = f"{sb.url}/wiki/rest/api/content/{page.id}/child/attachment"
    session = sb.session()
    refused = session.post(url, files={"file": ("a.png", b"x", "image/png")})
    assert refused.status_code == 403
    for token in ("no-check", "nocheck"):
        ok = session.put(url, headers={"X-Atlassian-Token": token}, files={"file": ("a.png", b"x", "image/png")})
        assert ok.status_code == 200

"""The sandbox's permissions, edit metadata and page operations, as Jira and Confluence answer them.

Sources, per test: Jira's REST reference and OpenAPI description for ``GET /rest/api/3/mypermissions``, "Get edit
issue metadata", "Get transitions" / "Transition issue", "Update comment" / "Delete comment", "Update custom
field" (tests/fixtures/openapi); a recorded Jira Cloud ``mypermissions`` answer (pjsnps/SynopsysScripts,
``util/SnpsSigSup_TestJira.bash``); Atlassian's change notice "Get my permissions resource will require a
permissions query parameter" (Cloud, February 2019) with the 400 it brings, recorded in
rhevm-qe-automation/pytest_jira#111; Confluence's v1 content expansion ``operations`` (tests/fixtures/openapi).
"""

from __future__ import annotations

import pytest

from sandbox import BOT_EMAIL, BOT_TOKEN, Sandbox
from tests.conftest import ANCHOR
from tests.openapi_check import CONFLUENCE_V1, JIRA, check

NEEDED = "BROWSE_PROJECTS,ADD_COMMENTS,EDIT_OWN_COMMENTS,DELETE_OWN_COMMENTS,EDIT_ISSUES,TRANSITION_ISSUES"


@pytest.fixture(params=["cloud", "datacenter"])
def site(request):
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=request.param, confluence_flavor=request.param) as sb:
        yield sb


def api(sb: Sandbox) -> str:
    return f"{sb.url}/rest/api/{'3' if sb.options.flavor == 'cloud' else '2'}"


def bot(sb: Sandbox):
    return sb.session(BOT_EMAIL, BOT_TOKEN)


def test_my_permissions_on_a_project_have_jiras_shape(site):
    """``{"permissions": {KEY: {id, key, name, type, description, havePermission}}}`` with the ids, names and
    descriptions of the recorded Cloud answer (EDIT_ISSUES is id 12, TRANSITION_ISSUES 46); checked against the
    OpenAPI description of ``GET /rest/api/3/mypermissions``."""
    response = bot(site).get(f"{api(site)}/mypermissions", params={"projectKey": "OMS", "permissions": NEEDED})
    assert response.status_code == 200, response.text
    answer = response.json()["permissions"]
    assert sorted(answer) == sorted(NEEDED.split(","))
    assert answer["TRANSITION_ISSUES"] == {"id": "46", "key": "TRANSITION_ISSUES", "name": "Transition Issues",
                                           "type": "PROJECT", "description": "Ability to transition issues.",
                                           "havePermission": True}
    assert answer["EDIT_ISSUES"]["id"] == "12" and answer["EDIT_ISSUES"]["name"] == "Edit Issues"
    if site.options.flavor == "cloud":
        check(JIRA, site.url, response)


def test_cloud_requires_the_permissions_parameter_and_data_center_does_not(site):
    """Cloud, since the 2019 change notice: 400 "The 'permissions' query parameter is required." (the answer
    recorded in rhevm-qe-automation/pytest_jira#111). Data Center: the parameter is optional, every permission
    is answered."""
    response = bot(site).get(f"{api(site)}/mypermissions", params={"projectKey": "OMS"})
    if site.options.flavor == "cloud":
        assert response.status_code == 400
        assert response.json() == {"errorMessages": ["The 'permissions' query parameter is required."], "errors": {}}
    else:
        assert response.status_code == 200
        assert {"BROWSE_PROJECTS", "TRANSITION_ISSUES", "ADMINISTER"} <= set(response.json()["permissions"])


def test_unknown_keys_and_projects_are_refused(site):
    """The reference: 400 when ``permissions`` "contains an invalid key", 404 when "the project or issue is not
    found"."""
    session = bot(site)
    assert session.get(f"{api(site)}/mypermissions", params={"permissions": "FLY"}).status_code == 400
    missing = session.get(f"{api(site)}/mypermissions", params={"projectKey": "NOPE", "permissions": NEEDED})
    assert missing.status_code == 404


def test_a_permission_taken_away_is_reported_on_that_project_only(site):
    """Per user and per project: the bot without Transition Issues on OMS still has it on LOG, and the admin
    still has it on OMS. Without a project, "the user has the project permission in any project" (the
    reference): still true. Given an issue, the issue's project decides."""
    control = site.session().post(f"{site.url}/_sandbox/permissions",
                                  json={"user": "pmokit-bot", "project": "OMS", "revoke": ["TRANSITION_ISSUES"]})
    assert control.status_code == 200, control.text

    def have(session, **context) -> bool:
        answer = session.get(f"{api(site)}/mypermissions", params={**context, "permissions": "TRANSITION_ISSUES"})
        return answer.json()["permissions"]["TRANSITION_ISSUES"]["havePermission"]

    assert have(bot(site), projectKey="OMS") is False
    assert have(bot(site), issueKey="OMS-1") is False
    assert have(bot(site), projectKey="LOG") is True
    assert have(bot(site)) is True
    assert have(site.session(), projectKey="OMS") is True
    site.grant_permission("pmokit-bot", "OMS", "TRANSITION_ISSUES")
    assert have(bot(site), projectKey="OMS") is True


def test_without_transition_issues_no_transition_is_offered_or_taken(site):
    """"Get transitions" lists the transitions the user can perform: none without Transition Issues; "Transition
    issue" answers 400 when "the user does not have permission to transition the issue"."""
    site.revoke_permission("pmokit-bot", "OMS", "TRANSITION_ISSUES")
    session = bot(site)
    offered = site.session().get(f"{api(site)}/issue/OMS-1/transitions").json()["transitions"]
    assert offered  # the admin may
    assert session.get(f"{api(site)}/issue/OMS-1/transitions").json()["transitions"] == []
    refused = session.post(f"{api(site)}/issue/OMS-1/transitions", json={"transition": {"id": offered[0]["id"]}})
    assert refused.status_code == 400
    status = site.state.issue("OMS-1").status
    assert site.state.statuses[status].name == "Initiation"


def test_edit_metadata_lists_the_edit_screen_and_nothing_without_edit_issues(site):
    """"Get edit issue metadata": the fields of the edit screen (checked against the OpenAPI description's
    FieldMetadata: key, name, operations, required, schema), labels with add/set/remove; none at all without Edit
    Issues (its condition 8), and the edit is then refused with 400 ("the user does not have the necessary
    permission to edit one or more fields")."""
    session = bot(site)
    response = session.get(f"{api(site)}/issue/OMS-1/editmeta")
    assert response.status_code == 200
    fields = response.json()["fields"]
    assert fields["labels"]["operations"] == ["add", "set", "remove"]
    assert fields["customfield_10103"]["name"] == "Sponsor" and fields["summary"]["required"] is True
    assert "status" not in fields and "created" not in fields
    assert {v["value"] for v in fields["customfield_10111"]["allowedValues"]} == {"Standard", "Maintenance"}
    if site.options.flavor == "cloud":
        check(JIRA, site.url, response)
    site.revoke_permission("pmokit-bot", "OMS", "EDIT_ISSUES")
    assert session.get(f"{api(site)}/issue/OMS-1/editmeta").json() == {"fields": {}}
    refused = session.put(f"{api(site)}/issue/OMS-1", json={"update": {"labels": [{"add": "pmo-gap"}]}})
    assert refused.status_code == 400
    assert "pmo-gap" not in site.state.issue("OMS-1").labels


def test_editing_and_deleting_own_comments_needs_their_permissions(site):
    """"Update comment" and "Delete comment" answer 400 when "the user does not have permission to edit /
    delete the comment": one's own takes Edit/Delete Own Comments (or All), anyone's the All ones."""
    session = bot(site)
    body = "pmokit" if site.options.flavor == "datacenter" else {
        "type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]}
    made = session.post(f"{api(site)}/issue/OMS-2/comment", json={"body": body}).json()
    url = f"{api(site)}/issue/OMS-2/comment/{made['id']}"
    site.revoke_permission("pmokit-bot", "OMS", "EDIT_OWN_COMMENTS", "DELETE_OWN_COMMENTS")
    assert session.put(url, json={"body": body}).status_code == 200  # Edit All Comments is still held
    site.revoke_permission("pmokit-bot", "OMS", "EDIT_ALL_COMMENTS", "DELETE_ALL_COMMENTS")
    assert session.put(url, json={"body": body}).status_code == 400
    assert session.delete(url).status_code == 400
    assert site.session().delete(url).status_code == 204  # the admin still may


def test_renaming_a_custom_field_takes_administer_jira_on_cloud():
    """Cloud's "Update custom field" (``PUT /rest/api/3/field/{fieldId}``): 204 for an administrator, 403 for
    anyone else, 404 for what is no custom field; the field list then shows the new name."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        url = f"{sb.url}/rest/api/3/field"
        assert bot(sb).put(f"{url}/customfield_10103", json={"name": "Project Sponsor"}).status_code == 403
        assert sb.session().put(f"{url}/summary", json={"name": "Title"}).status_code == 404
        renamed = sb.session().put(f"{url}/customfield_10103", json={"name": "Project Sponsor"})
        assert renamed.status_code == 204
        check(JIRA, sb.url, renamed)
        names = {f["id"]: f["name"] for f in bot(sb).get(url).json()}
        assert names["customfield_10103"] == "Project Sponsor"


def test_page_operations_say_what_the_caller_may_do(site):
    """The v1 content expansion ``operations``: a list of ``{operation, targetType}`` (OperationCheckResult in
    the Confluence v1 description); the sandbox's pages carry no restrictions, so read, update and delete."""
    page = next(p for p in site.state.pages.values() if p.title == "Portfolio Reports")
    response = bot(site).get(f"{site.wiki_url}/rest/api/content/{page.id}", params={"expand": "operations"})
    assert response.status_code == 200
    assert {"operation": "update", "targetType": "page"} in response.json()["operations"]
    if site.options.confluence_flavor == "cloud":
        check(CONFLUENCE_V1, site.url, response)

"""Jira issues: get (``fields``, ``expand``), ``issue/bulkfetch`` (Cloud, 100 issues), create, edit and delete.
Every write records a changelog history, bumps ``updated``, counts a write by kind and emits the webhooks Jira
would."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify, request

from . import field_edits, jira_events, jira_permissions, jira_properties, webhooks
from .histories import new_history
from .jira_lookup import API, find_issue, renderer, with_issue
from .jira_search import CLOUD_INLINE_CHANGELOG
from .model import SIssue
from .requests_util import body, param_list
from .responses import error, site

blueprint = Blueprint("jira_issues", __name__)
BULKFETCH_INLINE_CHANGELOG = 40


@blueprint.get(f"{API}/issue/<id_or_key>")
@with_issue
def get_issue(version: str, issue: SIssue) -> Response:
    r = renderer(version)
    expand = param_list("expand") or []
    # Data Center returns the whole changelog on a single issue; Cloud the latest 100 histories.
    limit = CLOUD_INLINE_CHANGELOG if site().cloud else None
    return jsonify(r.issue(issue, r.field_ids(param_list("fields"), "*all"), expand, limit))


@blueprint.post(f"{API}/issue/bulkfetch")
def bulk_fetch(version: str) -> Response:
    if not site().cloud:
        return error(404, "Null for uri: " + request.url)
    wanted = param_list("issueIdsOrKeys") or []
    if not 1 <= len(wanted) <= 100:
        return error(400, "The number of issueIdsOrKeys must be between 1 and 100.",
                     issueIdsOrKeys="size must be between 1 and 100")
    r = renderer(version)
    field_ids = r.field_ids(param_list("fields"), "*navigable")
    expand = param_list("expand") or []
    # As Atlassian's reference for POST /rest/api/3/issue/bulkfetch says: the issues in ascending id order, and
    # an entry in issueErrors for each id or key that is not there (or not visible).
    with site().state.lock:
        found = {k: find_issue(k) for k in dict.fromkeys(str(w) for w in wanted)}
        issues = [r.issue(issue, field_ids, expand, BULKFETCH_INLINE_CHANGELOG)
                  for issue in sorted({i.id: i for i in found.values() if i is not None}.values(),
                                      key=lambda i: i.id)]
    errors = [{"errorMessages": ["Issue does not exist or you do not have permission to see it."],
               "errors": {}, "status": 404, "issueIdsOrKeys": [key]}
              for key, issue in found.items() if issue is None]
    return jsonify({"issues": issues, "issueErrors": errors})


@blueprint.post(f"{API}/issue")
def create_issue(version: str) -> Response:
    data = body()
    fields = dict(data.get("fields") or {})
    state = site().state
    with state.lock:
        project_ref = fields.pop("project", None) or {}
        project = next((p for p in state.projects.values()
                        if project_ref.get("key") == p.key or project_ref.get("id") == p.id), None)
        if project is None:
            return error(400, "", project="Specify a valid project ID or key")
        type_ref = fields.pop("issuetype", None) or {}
        itype = next((t for t in state.issue_types.values()
                      if type_ref.get("name") == t.name or type_ref.get("id") == t.id), None)
        if itype is None:
            return error(400, "", issuetype="Specify an issue type")
        if not isinstance(fields.get("summary"), str) or not fields["summary"].strip():
            return error(400, "", summary="You must specify a summary of the issue.")
        now = datetime.now(UTC)
        workflow = state.workflows[itype.workflow]
        issue = SIssue(id=state.next_id("issue") + 100_000_000, key=f"{project.key}-{project.next_number}",
                       project_key=project.key, issue_type=itype.name, summary=fields["summary"],
                       status=workflow.statuses[0], created=now, updated=now, reporter=g.user)
        properties = data.get("properties") or []
        if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
            return error(400, "", properties="Properties must be a list of {key, value}.")
        for entry in properties:  # the create's entity properties are kept with the issue (POST /issue reference)
            problem = jira_properties.refusal(entry.get("key"), entry.get("value"))
            if problem is not None:
                return problem
            issue.properties[entry["key"]] = entry["value"]
        project.next_number += 1
        result = field_edits.apply(version, issue, fields, data.get("update") or {})
        if isinstance(result, Response):
            project.next_number -= 1
            return result
        state.issues[issue.id] = issue
        state.keys[issue.key] = issue.id
        site().changed()
        site().stats.write("issue")
        jira_events.issue_created(version, issue)
        rest = renderer(version).rest
        response = jsonify({"id": str(issue.id), "key": issue.key, "self": f"{rest}/issue/{issue.id}"})
    response.status_code = 201
    return response


@blueprint.put(f"{API}/issue/<id_or_key>")
@with_issue
def edit_issue(version: str, issue: SIssue) -> Response:
    data = body()
    if jira_permissions.refused(issue.project_key, "EDIT_ISSUES"):
        # Without Edit Issues the edit screen holds no field for the caller (editmeta answers none), and Jira's
        # edit answers 400 when "the user does not have the necessary permission to edit one or more fields".
        named = [*(data.get("fields") or {}), *(data.get("update") or {})]
        return field_edits.cannot_set(str(named[0]) if named else "fields")
    before_assignee = issue.assignee
    items = field_edits.apply(version, issue, data.get("fields") or {}, data.get("update") or {})
    if isinstance(items, Response):
        return items
    if items:
        now = datetime.now(UTC)
        history = new_history(site().state, issue, g.user, now, items)
        issue.updated = now
        site().changed()
        for kind in {"label" if i["field"] == "labels" else "field" for i in items}:
            site().stats.write(kind)
        type_name = "issue_assigned" if issue.assignee != before_assignee and len(items) == 1 else "issue_updated"
        jira_events.issue_updated(version, issue, items, history["id"], type_name)
    return Response(status=204)


@blueprint.delete(f"{API}/issue/<id_or_key>")
@with_issue
def delete_issue(version: str, issue: SIssue) -> Response:
    event = jira_events.deletion(version, issue)
    fallout = jira_events.deletion_fallout(version, issue)
    issue.deleted = True
    site().changed()
    site().stats.write("delete")
    site().dispatcher.emit("jira:issue_deleted", event, issue)
    for name, payload in fallout:
        site().dispatcher.emit(name, payload, issue, flow=webhooks.SECONDARY)
    return Response(status=204)

"""Links from issues: remote (web) links, recorded in the history as Jira records them, and issue links."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify

from . import jira_events
from .histories import make_item, new_history
from .jira_lookup import API, not_found_issue, renderer, with_issue
from .model import SIssue
from .render import LINK_TYPES
from .requests_util import body
from .responses import error, site

blueprint = Blueprint("jira_links", __name__)


@blueprint.get(f"{API}/issue/<id_or_key>/remotelink")
@with_issue
def remote_links(version: str, issue: SIssue) -> Response:
    r = renderer(version)
    return jsonify([r.remote_link(issue, link) for link in issue.remote_links])


@blueprint.post(f"{API}/issue/<id_or_key>/remotelink")
@with_issue
def add_remote_link(version: str, issue: SIssue) -> Response:
    data = body()
    obj = data.get("object") or {}
    if not obj.get("url") or not obj.get("title"):
        return error(400, "", url="'url' and 'title' of the remote object are required")
    state = site().state
    global_id = data.get("globalId")
    existing = next((link for link in issue.remote_links if global_id and link.get("globalId") == global_id), None)
    status = 200
    if existing:
        existing.update(url=obj["url"], title=obj["title"])
        link = existing
    else:
        link = {"id": state.next_id("remotelink"), "url": obj["url"], "title": obj["title"]}
        if global_id:
            link["globalId"] = global_id
        issue.remote_links.append(link)
        status = 201
    now = datetime.now(UTC)
    # Jira records a web link in the issue's history, as field RemoteIssueLink.
    item = make_item("RemoteIssueLink", "RemoteIssueLink", None, None, str(link["id"]),
                     f'This issue links to "{link["title"]}"')
    history = new_history(state, issue, g.user, now, [item])
    issue.updated = now
    site().changed()
    site().stats.write("remotelink")
    jira_events.issue_updated(version, issue, [item], history["id"])
    r = renderer(version)
    response = jsonify({"id": link["id"], "self": f"{r.rest}/issue/{issue.key}/remotelink/{link['id']}"})
    response.status_code = status
    return response


@blueprint.post(f"{API}/issueLink")
def link_issues(version: str) -> Response:
    data = body()
    kind = (data.get("type") or {}).get("name")
    if kind not in LINK_TYPES:
        return error(404, f"No issue link type with name '{kind}' found.")
    state = site().state
    with state.lock:
        inward = state.issue((data.get("inwardIssue") or {}).get("key") or "")
        outward = state.issue((data.get("outwardIssue") or {}).get("key") or "")
        if inward is None or outward is None:
            return not_found_issue()
        link_id = state.next_id("link")
        # The outward issue "blocks" / "depends on" … the inward one, as Jira's REST API defines it.
        outward.links.append({"id": link_id, "type": kind, "target": inward.id, "outward": True})
        inward.links.append({"id": link_id, "type": kind, "target": outward.id, "outward": False})
        now = datetime.now(UTC)
        for issue in (inward, outward):
            issue.updated = now
        site().changed()
        site().stats.write("link")
    return Response(status=201)

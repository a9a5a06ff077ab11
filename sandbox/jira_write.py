"""Jira writes. Each one records a changelog history, bumps ``updated``, counts a write by kind, and emits
the webhook events Jira would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from connector import adf

from . import webhooks
from .app import error, site
from .histories import make_item, new_history
from .jira_read import not_found_issue, renderer, with_comment, with_issue
from .model import SIssue
from .render import LINK_TYPES
from .requests_util import body

blueprint = Blueprint("jira_write", __name__)
API = "/rest/api/<any('2','3'):version>"
DC_TRANSITION_EVENTS = {"indeterminate": "issue_work_started", "done": "issue_resolved", "new": "issue_reopened"}


def _now() -> datetime:
    return datetime.now(UTC)


def _text_value(version: str, value: Any, name: str) -> str | Response:
    """Rich text as written: ADF on v3 (a string is refused, as Jira does), a string on v2."""
    if value is None:
        return ""
    if version == "3":
        if not (isinstance(value, dict) and value.get("type") == "doc"):
            return error(400, "", **{name: "Operation value must be an Atlassian Document (see the Atlassian "
                                            "Document Format)"})
        return adf.to_text(value)
    if not isinstance(value, str):
        return error(400, "", **{name: "Operation value must be a string"})
    return value


def _user_ref(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    user = site().state.user(value.get("accountId") or value.get("name") or value.get("key") or value.get("id"))
    return user.account_id if user else None


def _emit_update(version: str, issue: SIssue, items: list[dict[str, Any]], history_id: str,
                 type_name: str = "issue_updated") -> None:
    r = renderer(version)
    body_ = webhooks.issue_event(r, "jira:issue_updated", type_name, issue, g.user, items, history_id)
    site().dispatcher.emit("jira:issue_updated", body_, issue)


def _apply_fields(version: str, issue: SIssue, fields: dict[str, Any], update: dict[str, Any]
                  ) -> list[dict[str, Any]] | Response:
    """Change fields; return the changelog items (empty when nothing changed)."""
    state = site().state
    items: list[dict[str, Any]] = []
    for name, value in fields.items():
        field = state.field_by_name(name)
        if field is None:
            return error(400, "", **{name: f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                                           f"or unknown."})
        fid = field.id
        if fid == "summary":
            if not isinstance(value, str) or not value.strip():
                return error(400, "", summary="You must specify a summary of the issue.")
            if value != issue.summary:
                items.append(make_item("summary", "summary", None, issue.summary, None, value))
                issue.summary = value
        elif fid == "description":
            text = _text_value(version, value, "description")
            if isinstance(text, Response):
                return text
            if text != issue.description:
                items.append(make_item("description", "description", None, issue.description, None, text))
                issue.description = text
        elif fid == "labels":
            labels = [str(v) for v in value or []]
            if labels != issue.labels:
                items.append(make_item("labels", "labels", None, " ".join(issue.labels), None, " ".join(labels)))
                issue.labels = labels
        elif fid == "assignee":
            account = _user_ref(value) if value else None
            if value and account is None:
                return error(400, "", assignee="User does not exist or you do not have permission to see it.")
            if account != issue.assignee:
                before, after = state.users.get(issue.assignee or ""), state.users.get(account or "")
                items.append(make_item("assignee", "assignee", issue.assignee, before.display_name if before else None,
                                       account, after.display_name if after else None))
                issue.assignee = account
        elif fid == "duedate":
            new = date.fromisoformat(value) if value else None
            if new != issue.duedate:
                items.append(make_item("duedate", "duedate", _iso(issue.duedate), _iso(issue.duedate), _iso(new),
                                       _iso(new)))
                issue.duedate = new
        elif fid == "priority":
            name_ = (value or {}).get("name") if isinstance(value, dict) else value
            if name_ and name_ != issue.priority:
                items.append(make_item("priority", "priority", None, issue.priority, None, name_))
                issue.priority = name_
        elif fid == "parent":
            parent = state.issue((value or {}).get("key") or (value or {}).get("id") or "") if value else None
            new_parent = parent.id if parent else None
            if new_parent != issue.parent:
                items.append(make_item("Parent", "parent", None, None, str(new_parent) if new_parent else None,
                                       parent.key if parent else None))
                issue.parent = new_parent
        elif field.custom:
            plain = value.get("value") if isinstance(value, dict) and "value" in value else value
            if plain != issue.custom.get(fid):
                items.append(make_item(field.name, fid, None, _s(issue.custom.get(fid)), None, _s(plain), custom=True))
                if plain is None:
                    issue.custom.pop(fid, None)
                else:
                    issue.custom[fid] = plain
        else:
            return error(400, "", **{name: f"Field '{name}' cannot be set. It is not on the appropriate screen, "
                                           f"or unknown."})
    for operation in (update or {}).get("labels", []):
        labels = list(issue.labels)
        for verb, label in operation.items():
            if verb == "add" and label not in labels:
                labels.append(str(label))
            elif verb == "remove" and label in labels:
                labels.remove(label)
            elif verb == "set":
                labels = [str(v) for v in label]
        if labels != issue.labels:
            items.append(make_item("labels", "labels", None, " ".join(issue.labels), None, " ".join(labels)))
            issue.labels = labels
    return items


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


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
        now = _now()
        workflow = state.workflows[itype.workflow]
        issue = SIssue(id=state.next_id("issue") + 100_000_000, key=f"{project.key}-{project.next_number}",
                       project_key=project.key, issue_type=itype.name, summary=fields["summary"],
                       status=workflow.statuses[0], created=now, updated=now, reporter=g.user)
        project.next_number += 1
        result = _apply_fields(version, issue, fields, data.get("update") or {})
        if isinstance(result, Response):
            project.next_number -= 1
            return result
        state.issues[issue.id] = issue
        state.keys[issue.key] = issue.id
        site().changed()
        site().stats.write("issue")
        r = renderer(version)
        site().dispatcher.emit("jira:issue_created", webhooks.issue_event(
            r, "jira:issue_created", "issue_created", issue, g.user, [], "0"), issue)
        response = jsonify({"id": str(issue.id), "key": issue.key, "self": f"{r.rest}/issue/{issue.id}"})
    response.status_code = 201
    return response


@blueprint.put(f"{API}/issue/<id_or_key>")
@with_issue
def edit_issue(version: str, issue: SIssue) -> Response:
    data = body()
    state = site().state
    before_assignee = issue.assignee
    items = _apply_fields(version, issue, data.get("fields") or {}, data.get("update") or {})
    if isinstance(items, Response):
        return items
    if items:
        now = _now()
        history = new_history(state, issue, g.user, now, items)
        issue.updated = now
        site().changed()
        kinds = {"label" if i["field"] == "labels" else "field" for i in items}
        for kind in kinds:
            site().stats.write(kind)
        type_name = "issue_assigned" if issue.assignee != before_assignee and len(items) == 1 else "issue_updated"
        _emit_update(version, issue, items, history["id"], type_name)
    return Response(status=204)


@blueprint.delete(f"{API}/issue/<id_or_key>")
@with_issue
def delete_issue(version: str, issue: SIssue) -> Response:
    body_ = webhooks._base("jira:issue_deleted", g.user, renderer(version))
    body_["issue"] = renderer(version).webhook_issue(issue)
    issue.deleted = True
    site().changed()
    site().stats.write("delete")
    site().dispatcher.emit("jira:issue_deleted", body_, issue)
    return Response(status=204)


@blueprint.post(f"{API}/issue/<id_or_key>/transitions")
@with_issue
def do_transition(version: str, issue: SIssue) -> Response:
    data = body()
    transition_id = str((data.get("transition") or {}).get("id") or "")
    state = site().state
    transition = next((t for t in state.workflow_for(issue).available(issue.status) if t.id == transition_id),
                      None)
    if transition is None:
        return error(400, f"Transition id '{transition_id}' is not valid for this issue.")
    extra = _apply_fields(version, issue, data.get("fields") or {}, data.get("update") or {})
    if isinstance(extra, Response):
        return extra
    before, after = state.statuses[issue.status], state.statuses[transition.to]
    items = [make_item("status", "status", before.id, before.name, after.id, after.name), *extra]
    if after.category == "done" and issue.resolutiondate is None:
        items.append(make_item("resolution", "resolution", None, None, "10000", "Done"))
        issue.resolutiondate = _now()
    elif after.category != "done" and issue.resolutiondate is not None:
        items.append(make_item("resolution", "resolution", "10000", "Done", None, None))
        issue.resolutiondate = None
    issue.status = after.id
    now = _now()
    history = new_history(state, issue, g.user, now, items)
    issue.updated = now
    site().changed()
    site().stats.write("transition")
    type_name = "issue_generic" if site().cloud else DC_TRANSITION_EVENTS.get(after.category, "issue_generic")
    _emit_update(version, issue, items, history["id"], type_name)
    return Response(status=204)


def _comment_body(version: str) -> str | Response:
    data = body()
    if "body" not in data:
        return error(400, "", comment="Comment body can not be empty!")
    text = _text_value(version, data["body"], "comment")
    if isinstance(text, str) and not text.strip():
        return error(400, "", comment="Comment body can not be empty!")
    return text


def _emit_comment(version: str, action: str, issue: SIssue, comment: dict[str, Any]) -> None:
    for event, body_ in webhooks.comment_events(renderer(version), action, issue, comment, g.user):
        site().dispatcher.emit(event, body_, issue)


@blueprint.post(f"{API}/issue/<id_or_key>/comment")
@with_issue
def add_comment(version: str, issue: SIssue) -> Response:
    state = site().state
    text = _comment_body(version)
    if isinstance(text, Response):
        return text
    now = _now()
    comment = {"id": str(state.next_id("comment")), "author": g.user, "body": text, "created": now,
               "updated": now}
    issue.comments.append(comment)
    issue.updated = now
    site().changed()
    site().stats.write("comment")
    _emit_comment(version, "created", issue, comment)
    response = jsonify(renderer(version).comment(issue, comment))
    response.status_code = 201
    return response


@blueprint.put(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def update_comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    text = _comment_body(version)
    if isinstance(text, Response):
        return text
    if text != comment["body"]:
        now = _now()
        comment.update(body=text, updated=now, update_author=g.user)
        issue.updated = now
        site().changed()
        site().stats.write("comment")
        _emit_comment(version, "updated", issue, comment)
    return jsonify(renderer(version).comment(issue, comment))


@blueprint.delete(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def delete_comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    issue.comments.remove(comment)
    issue.updated = _now()
    site().changed()
    site().stats.write("comment")
    _emit_comment(version, "deleted", issue, comment)
    return Response(status=204)


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
    now = _now()
    # Jira records a web link in the issue's history, as field RemoteIssueLink.
    item = make_item("RemoteIssueLink", "RemoteIssueLink", None, None, str(link["id"]),
                     f'This issue links to "{link["title"]}"')
    history = new_history(state, issue, g.user, now, [item])
    issue.updated = now
    site().changed()
    site().stats.write("remotelink")
    _emit_update(version, issue, [item], history["id"])
    r = renderer(version)
    response = jsonify({"id": link["id"], "self": f"{r.rest}/issue/{issue.key}/remotelink/{link['id']}"})
    response.status_code = status
    return response


@blueprint.post(f"{API}/issue/<id_or_key>/attachments")
@with_issue
def add_attachment(version: str, issue: SIssue) -> Response:
    if request.headers.get("X-Atlassian-Token", "").lower() not in ("no-check", "nocheck"):
        return error(403, "XSRF check failed")
    files = request.files.getlist("file")
    if not files:
        return error(400, "No attachment was given: send it as multipart field 'file'.")
    state = site().state
    now = _now()
    added = []
    for upload in files:
        data = upload.read()
        item = {"id": str(state.next_id("attachment")), "filename": upload.filename or "file",
                "size": len(data), "mimeType": upload.mimetype or "application/octet-stream", "created": now,
                "author": g.user}
        issue.attachments.append(item)
        added.append(item)
    items = [make_item("Attachment", "attachment", None, None, a["id"], a["filename"]) for a in added]
    history = new_history(state, issue, g.user, now, items)
    issue.updated = now
    site().changed()
    site().stats.write("attachment", len(added))
    _emit_update(version, issue, items, history["id"])
    r = renderer(version)
    return jsonify([r.attachment(issue, a) for a in added])


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
        now = _now()
        for issue in (inward, outward):
            issue.updated = now
        site().changed()
        site().stats.write("link")
    return Response(status=201)

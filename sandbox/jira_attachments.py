"""Issue attachments: get one by id, and upload (multipart field ``file``, ``X-Atlassian-Token: no-check``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify, request

from . import jira_events
from .histories import make_item, new_history
from .jira_lookup import API, renderer, with_issue
from .model import SIssue
from .responses import error, site

blueprint = Blueprint("jira_attachments", __name__)


@blueprint.get(f"{API}/attachment/<attachment_id>")
def attachment(version: str, attachment_id: str) -> Response:
    state = site().state
    with state.lock:
        for issue in state.live_issues():
            for data in issue.attachments:
                if data["id"] == attachment_id:
                    return jsonify(renderer(version).attachment(issue, data))
    return error(404, f"The attachment with id '{attachment_id}' does not exist")


@blueprint.post(f"{API}/issue/<id_or_key>/attachments")
@with_issue
def add_attachment(version: str, issue: SIssue) -> Response:
    if request.headers.get("X-Atlassian-Token", "").lower() not in ("no-check", "nocheck"):
        return error(403, "XSRF check failed")
    files = request.files.getlist("file")
    if not files:
        return error(400, "No attachment was given: send it as multipart field 'file'.")
    state = site().state
    now = datetime.now(UTC)
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
    jira_events.issue_updated(version, issue, items, history["id"])
    r = renderer(version)
    return jsonify([r.attachment(issue, a) for a in added])

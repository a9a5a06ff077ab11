"""Issue comments: list, get, add, update, delete. Bodies are ADF on Cloud v3 (checked as Jira checks them) and
wiki-markup strings on v2; an empty body is refused, as Jira refuses it. Jira Cloud keeps a document as it was
written (its marks, lozenges and links) and shows it again through v3; v2 reads it as wiki markup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify

from . import jira_events, jira_permissions, rich_text
from .jira_lookup import API, renderer, with_comment, with_issue
from .model import SIssue
from .requests_util import body, int_param
from .responses import error, site

blueprint = Blueprint("jira_comments", __name__)
EMPTY = "Comment body can not be empty!"


@blueprint.get(f"{API}/issue/<id_or_key>/comment")
@with_issue
def comments(version: str, issue: SIssue) -> Response:
    try:
        start, limit = int_param("startAt", 0), min(int_param("maxResults", 100, 1), 5000)
    except ValueError as exc:
        return error(400, str(exc))
    r = renderer(version)
    page = issue.comments[start:start + limit]
    return jsonify({"startAt": start, "maxResults": limit, "total": len(issue.comments),
                    "comments": [r.comment(issue, c) for c in page]})


@blueprint.get(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    return jsonify(renderer(version).comment(issue, comment))


def _body_text(version: str) -> str | Response:
    data = body()
    if "body" not in data:
        return error(400, "", comment=EMPTY)
    text = rich_text.read(version, data["body"], "comment")
    if isinstance(text, str) and not text.strip():
        return error(400, "", comment=EMPTY)
    return text


def _document(version: str) -> dict[str, Any] | None:
    """The document as a v3 client wrote it (kept, to be read back as it was written)."""
    value = body().get("body")
    return value if version == "3" and isinstance(value, dict) else None


@blueprint.post(f"{API}/issue/<id_or_key>/comment")
@with_issue
def add_comment(version: str, issue: SIssue) -> Response:
    text = _body_text(version)
    if isinstance(text, Response):
        return text
    now = datetime.now(UTC)
    added = {"id": str(site().state.next_id("comment")), "author": g.user, "body": text, "created": now,
             "updated": now, "adf": _document(version)}
    issue.comments.append(added)
    issue.updated = now
    site().changed()
    site().stats.write("comment")
    jira_events.comment(version, "created", issue, added)
    response = jsonify(renderer(version).comment(issue, added))
    response.status_code = 201
    return response


@blueprint.put(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def update_comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    if _may_not(issue, comment, "EDIT"):
        return error(400, "You do not have the permission to edit this comment.")
    text = _body_text(version)
    if isinstance(text, Response):
        return text
    document = _document(version)
    if text != comment["body"] or document != comment.get("adf"):
        now = datetime.now(UTC)
        comment.update(body=text, updated=now, update_author=g.user, adf=document)
        issue.updated = now
        site().changed()
        site().stats.write("comment")
        jira_events.comment(version, "updated", issue, comment)
    return jsonify(renderer(version).comment(issue, comment))


@blueprint.delete(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def delete_comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    if _may_not(issue, comment, "DELETE"):
        return error(400, f"You do not have the permission to delete the comment with id: {comment['id']}.")
    issue.comments.remove(comment)
    issue.updated = datetime.now(UTC)
    site().changed()
    site().stats.write("comment")
    jira_events.comment(version, "deleted", issue, comment)
    return Response(status=204)


def _may_not(issue: SIssue, comment: dict[str, Any], verb: str) -> bool:
    """Editing or deleting a comment takes *Edit (Delete) Own Comments* for one's own, *... All Comments* for
    anyone's, on the issue's project; without it Jira answers 400 (its REST reference for "Update comment" and
    "Delete comment": "the user does not have permission to edit / delete the comment"; the words are the
    sandbox's own)."""
    keys = [f"{verb}_ALL_COMMENTS"] + ([f"{verb}_OWN_COMMENTS"] if comment.get("author") == g.user else [])
    return jira_permissions.refused(issue.project_key, *keys)

"""Issue histories: ``issue/{key}/changelog`` (paged, oldest first) and ``changelog/bulkfetch`` (Cloud: up to
1,000 issues, cursor paged by histories)."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .histories import all_histories
from .jira_lookup import API, find_issue, renderer, with_issue
from .model import SIssue
from .requests_util import int_param, param, param_list
from .responses import error, site

blueprint = Blueprint("jira_changelogs", __name__)


@blueprint.post(f"{API}/changelog/bulkfetch")
def changelog_bulk_fetch(version: str) -> Response:
    if not site().cloud:
        return error(404, "Null for uri: " + request.url)
    wanted = param_list("issueIdsOrKeys") or []
    if not 1 <= len(wanted) <= 1000:
        return error(400, "The number of issueIdsOrKeys must be between 1 and 1000.",
                     issueIdsOrKeys="size must be between 1 and 1000")
    field_filter = set(param_list("fieldIds") or [])
    try:
        limit = min(int_param("maxResults", 1000, 1), 10000)
    except ValueError as exc:
        return error(400, str(exc))
    token = str(param("nextPageToken") or "0")
    if not token.isdigit():
        return error(400, "The provided next page token is invalid or expired.")
    offset = int(token)
    state, r = site().state, renderer(version)
    with state.lock:
        # Histories of the requested issues in request order, oldest first; a page holds `limit` of them.
        flat = []
        for key in dict.fromkeys(wanted):
            issue = find_issue(key)
            if issue is None:
                continue
            for history in all_histories(state, issue):
                if field_filter and not any(item.get("fieldId") in field_filter for item in history["items"]):
                    continue
                flat.append((issue.id, history))
        page = flat[offset:offset + limit]
        logs: list[dict[str, Any]] = []
        for issue_id, group in itertools.groupby(page, key=lambda pair: pair[0]):
            logs.append({"issueId": str(issue_id), "changeHistories": [r.history(h) for _, h in group]})
    body: dict[str, Any] = {"issueChangeLogs": logs}
    if offset + limit < len(flat):
        body["nextPageToken"] = str(offset + limit)
    return jsonify(body)


@blueprint.get(f"{API}/issue/<id_or_key>/changelog")
@with_issue
def issue_changelog(version: str, issue: SIssue) -> Response:
    histories = all_histories(site().state, issue)
    try:
        start, limit = int_param("startAt", 0), min(int_param("maxResults", 100, 1), 100)
    except ValueError as exc:
        return error(400, str(exc))
    page = histories[start:start + limit]
    r = renderer(version)
    body = {"self": request.url, "maxResults": limit, "startAt": start, "total": len(histories),
            "isLast": start + len(page) >= len(histories), "values": [r.history(h) for h in page]}
    if not body["isLast"]:
        body["nextPage"] = f"{r.rest}/issue/{issue.key}/changelog?startAt={start + limit}&maxResults={limit}"
    return jsonify(body)

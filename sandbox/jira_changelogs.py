"""Issue histories: ``issue/{key}/changelog`` (paged, oldest first) and ``changelog/bulkfetch`` (Cloud: up to
1,000 issues, cursor paged by histories ordered by date and issue id, so that one issue's histories spread over
pages, between other issues' histories)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .histories import all_histories
from .jira_lookup import API, find_issue, renderer, with_issue
from .model import SIssue
from .requests_util import int_param, param, param_list
from .responses import error, site

blueprint = Blueprint("jira_changelogs", __name__)
DEFAULT_PAGE, MAX_PAGE = 1000, 10000


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
        # 1 to 10,000, 1,000 by default (Atlassian's BulkChangelogRequestBean); more is cut to 10,000, and the
        # answer has no maxResults to say so: only a page shorter than asked, with a nextPageToken.
        limit = min(int_param("maxResults", DEFAULT_PAGE, 1), MAX_PAGE)
    except ValueError as exc:
        return error(400, str(exc))
    token = str(param("nextPageToken") or "0")
    if not token.isdigit():
        return error(400, "The provided next page token is invalid or expired.")
    offset = int(token)
    state, r = site().state, renderer(version)
    with state.lock:
        # Every history of the requested issues, ordered as Atlassian documents it: "sorted by changelog date
        # and issue IDs, starting from the oldest changelog and smallest issue ID". A page holds `limit` of them.
        flat = []
        for key in dict.fromkeys(wanted):
            issue = find_issue(key)
            if issue is None:
                continue
            for history in all_histories(state, issue):
                if field_filter and not any(item.get("fieldId") in field_filter for item in history["items"]):
                    continue
                flat.append((history["created"], issue.id, _number(history["id"]), history))
        flat.sort(key=lambda entry: entry[:3])
        page = flat[offset:offset + limit]
        # One entry per issue of the page (in the order of its first history there), its histories oldest first.
        grouped: dict[int, list[dict[str, Any]]] = {}
        for _, issue_id, _, history in page:
            grouped.setdefault(issue_id, []).append(r.history(history))
        logs = [{"issueId": str(issue_id), "changeHistories": histories} for issue_id, histories in grouped.items()]
    body: dict[str, Any] = {"issueChangeLogs": logs}
    if offset + limit < len(flat):
        body["nextPageToken"] = str(offset + limit)
    return jsonify(body)


def _number(history_id: str) -> int:
    return int(history_id) if str(history_id).isdigit() else 0


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

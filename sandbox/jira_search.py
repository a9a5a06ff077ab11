"""Jira search. Cloud: ``search/jql`` paged by ``nextPageToken`` (no ``total``; default ``fields=id``; 100 issues
a page with fields, 5,000 with ids only) and ``search/approximate-count``; the old ``search`` answers 410.
Data Center: ``search`` paged by ``startAt``/``maxResults`` with ``total``, ``maxResults`` capped server-side."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import jql
from .jira_lookup import API, me, renderer
from .requests_util import body, int_param, param, param_list
from .responses import error, site

blueprint = Blueprint("jira_search", __name__)

CLOUD_PAGE_WITH_FIELDS = 100
CLOUD_PAGE_IDS_ONLY = 5000
CLOUD_INLINE_CHANGELOG = 100
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
SEARCH_GONE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
               "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")


class _Cursors:
    """Search results held for ``nextPageToken`` paging, so pages stay consistent while issues change."""

    def __init__(self, size: int = 256):
        self._items: OrderedDict[str, tuple[str, list[int]]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def put(self, query: str, ids: list[int]) -> str:
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._items[token] = (query, ids)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> tuple[str, list[int]] | None:
        with self._lock:
            return self._items.get(token)


_cursors = _Cursors()


def _run_jql(text: str, lagging: bool = False) -> list[int]:
    """Ids matching ``text``; ``lagging`` (Cloud's search/jql): without issues created within the site's search
    lag. Source: Atlassian's documentation of the enhanced JQL search (search/jql is eventually consistent:
    recent writes may not be returned yet; read an issue by id when it must be there)."""
    state = site().state
    lag = site().search_lag_ms / 1000 if lagging else 0.0
    horizon = datetime.now(UTC) - timedelta(seconds=lag)
    with state.lock:
        return [i.id for i in jql.search(state, text, me()) if not lag or i.created <= horizon]


def issue_page(version: str, ids: list[int], field_ids: list[str], expand: list[str],
               changelog_limit: int | None) -> list[dict[str, Any]]:
    state, r = site().state, renderer(version)
    with state.lock:
        out = []
        for issue_id in ids:
            issue = state.issues.get(issue_id)
            if issue is not None and not issue.deleted:
                out.append(r.issue(issue, field_ids, expand, changelog_limit))
        return out


def _cloud_query() -> tuple[str, Response | None]:
    """The JQL of a Cloud search, or the error Jira gives: 404 on Data Center, 400 when invalid or unbounded."""
    text = str(param("jql") or "")
    if not site().cloud:
        return text, error(404, "Null for uri: " + request.url)
    try:
        query = jql.parse(site().state, text, me())
    except jql.JqlError as exc:
        return text, error(400, str(exc))
    return text, None if query.bounded else error(400, UNBOUNDED)


@blueprint.route(f"{API}/search/jql", methods=["GET", "POST"])
def search_jql(version: str) -> Response:
    text, refusal = _cloud_query()
    if refusal is not None:
        return refusal
    requested = param_list("fields") or ["id"]
    expand = param_list("expand") or []
    field_ids = renderer(version).field_ids(requested, "id")
    page_cap = CLOUD_PAGE_IDS_ONLY if not field_ids and "changelog" not in expand else CLOUD_PAGE_WITH_FIELDS
    try:
        limit = min(int_param("maxResults", 50, 1), page_cap)
    except ValueError as exc:
        return error(400, str(exc))
    token = param("nextPageToken")
    if token:
        held = _cursors.get(str(token).split(":", 1)[0])
        if held is None or held[0] != text:
            return error(400, "The provided next page token is invalid or expired.")
        offset = int(str(token).split(":", 1)[1]) if ":" in str(token) else 0
        ids = held[1]
        base_token = str(token).split(":", 1)[0]
    else:
        ids, offset = _run_jql(text, lagging=True), 0
        base_token = _cursors.put(text, ids) if len(ids) > limit else ""
    page = ids[offset:offset + limit]
    body: dict[str, Any] = {"issues": issue_page(version, page, field_ids, expand, CLOUD_INLINE_CHANGELOG)}
    if offset + limit < len(ids):
        body["nextPageToken"] = f"{base_token}:{offset + limit}"
        body["isLast"] = False
    else:
        body["isLast"] = True
    if not field_ids:
        for issue in body["issues"]:
            issue.pop("expand", None)
    return jsonify(body)


@blueprint.post(f"{API}/search/approximate-count")
def approximate_count(version: str) -> Response:
    text, refusal = _cloud_query()
    if refusal is not None:
        return refusal
    return jsonify({"count": len(_run_jql(text))})


@blueprint.route(f"{API}/search", methods=["GET", "POST"])
def search_paged(version: str) -> Response:
    if site().cloud:
        return error(410, SEARCH_GONE)
    if request.method == "POST" and request.is_json:
        # The POST body is Jira's SearchRequestBean, whose `fields` and `expand` are lists: a string there fails
        # its JSON mapping. Sources: the Data Center REST reference (POST search, `expand` and `fields` arrays); the
        # 400 recorded in floralvikings/jira-connector#10 (`"expand": "changelog"` in a POST search) and, in
        # Jira's error shape, in bobcarroll/jira-client#256.
        wrong = [name for name in ("fields", "expand") if body().get(name) is not None
                 and not isinstance(body()[name], list)]
        if wrong:
            return error(400, f"Can not deserialize instance of java.util.ArrayList out of "
                              f"{_json_token(body()[wrong[0]])} token")
    text = str(param("jql") or "")
    try:
        ids = _run_jql(text)
        start = int_param("startAt", 0)
        limit = min(int_param("maxResults", 50, 0), site().dc_max_results)
    except jql.JqlError as exc:
        return error(400, str(exc))
    except ValueError as exc:
        return error(400, str(exc))
    field_ids = renderer(version).field_ids(param_list("fields"), "*navigable")
    expand = param_list("expand") or []
    page = ids[start:start + limit]
    return jsonify({"expand": "schema,names", "startAt": start, "maxResults": limit, "total": len(ids),
                    "issues": issue_page(version, page, field_ids, expand, CLOUD_INLINE_CHANGELOG)})


def _json_token(value: Any) -> str:
    """The name Jackson gives the JSON token a value starts with."""
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, dict):
        return "START_OBJECT"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    return "VALUE_STRING"

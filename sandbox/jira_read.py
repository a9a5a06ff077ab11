"""Jira reads: server info, people, fields, projects, search, issues, changelogs, comments."""

from __future__ import annotations

import functools
import itertools
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from . import jql
from .app import error, site
from .histories import all_histories
from .model import SIssue
from .render import Renderer, timestamp
from .requests_util import int_param, param, param_list

blueprint = Blueprint("jira_read", __name__)
API = "/rest/api/<any('2','3'):version>"

CLOUD_PAGE_WITH_FIELDS = 100
CLOUD_PAGE_IDS_ONLY = 5000
CLOUD_INLINE_CHANGELOG = 100
BULKFETCH_INLINE_CHANGELOG = 40
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
SEARCH_GONE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
               "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")


def renderer(version: str) -> Renderer:
    return Renderer(site().state, site().base_url, int(version))


def me():
    return site().state.users[g.user]


@blueprint.get(f"{API}/serverInfo")
def server_info(version: str) -> Response:
    cloud = site().cloud
    return jsonify({"baseUrl": site().base_url, "displayUrl": site().base_url,
                    "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.5",
                    "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 5],
                    "deploymentType": "Cloud" if cloud else "Server", "buildNumber": 100250 if cloud else 9120005,
                    "buildDate": "2026-11-01T00:00:00.000+0000", "serverTime": timestamp(_now()),
                    "scmInfo": "sandbox", "serverTitle": "pmokit sandbox"})


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@blueprint.get(f"{API}/myself")
def myself(version: str) -> Response:
    data = renderer(version).user(me())
    data["groups"] = {"size": len(me().groups), "items": []}
    data["applicationRoles"] = {"size": 1, "items": []}
    return jsonify(data)


@blueprint.get(f"{API}/user")
def get_user(version: str) -> Response:
    ident = request.args.get("accountId") or request.args.get("username") or request.args.get("key")
    user = site().state.user(ident)
    if user is None:
        return error(404, "Specified user does not exist or you do not have required permissions")
    return jsonify(renderer(version).user(user))


@blueprint.get(f"{API}/user/search")
def search_users(version: str) -> Response:
    query = (request.args.get("query") or request.args.get("username") or "").casefold()
    found = [u for u in site().state.users.values()
             if query in u.display_name.casefold() or query in u.email.casefold() or query in u.name.casefold()]
    start, limit = int_param("startAt", 0), int_param("maxResults", 50, 1)
    return jsonify([renderer(version).user(u, full=False) for u in found[start:start + limit]])


@blueprint.get(f"{API}/group/member")
def group_members(version: str) -> Response:
    name = request.args.get("groupname") or request.args.get("groupName") or ""
    members = site().state.groups.get(name)
    if members is None:
        return error(404, f"Group with name '{name}' does not exist.")
    start, limit = int_param("startAt", 0), int_param("maxResults", 50, 1)
    page = members[start:start + limit]
    r = renderer(version)
    return jsonify({"self": request.url, "maxResults": limit, "startAt": start, "total": len(members),
                    "isLast": start + len(page) >= len(members), "values": [r.user(u, full=False) for u in page]})


@blueprint.get(f"{API}/field")
def fields(version: str) -> Response:
    out = []
    for f in site().state.fields.values():
        schema: dict[str, Any] = {"type": f.schema_type}
        if f.custom:
            schema |= {"custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{f.schema_type}",
                       "customId": int(f.id.rsplit("_", 1)[1])}
        else:
            schema["system"] = f.id
        out.append({"id": f.id, "key": f.id, "name": f.name, "custom": f.custom, "orderable": True,
                    "navigable": f.navigable, "searchable": True, "clauseNames": list(f.clause_names),
                    "schema": schema})
    return jsonify(out)


def _project_json(version: str, key: str, full: bool = False) -> dict[str, Any]:
    state = site().state
    project = state.projects[key]
    r = renderer(version)
    data = {"self": f"{r.rest}/project/{project.id}", "id": project.id, "key": project.key, "name": project.name,
            "projectTypeKey": "software", "simplified": False, "style": "classic", "isPrivate": False,
            "avatarUrls": {"48x48": f"{site().base_url}/secure/projectavatar?pid={project.id}"}}
    if project.category:
        data["projectCategory"] = {"self": f"{r.rest}/projectCategory/1", "id": "1", "name": project.category,
                                   "description": ""}
    if full:
        data["lead"] = r.user(project.lead, full=False)
        data["issueTypes"] = [r.issue_type(name) for name in project.issue_types]
        data["description"] = ""
    return data


@blueprint.get(f"{API}/project")
def projects(version: str) -> Response:
    return jsonify([_project_json(version, key) for key in site().state.projects])


@blueprint.get(f"{API}/project/search")
def project_search(version: str) -> Response:
    keys = list(site().state.projects)
    wanted = request.args.get("keys")
    if wanted:
        keys = [k for k in keys if k in wanted.split(",")]
    start, limit = int_param("startAt", 0), int_param("maxResults", 50, 1)
    page = keys[start:start + limit]
    return jsonify({"self": request.url, "maxResults": limit, "startAt": start, "total": len(keys),
                    "isLast": start + len(page) >= len(keys), "values": [_project_json(version, k) for k in page]})


def _project_or_404(id_or_key: str):
    state = site().state
    for project in state.projects.values():
        if id_or_key in (project.key, project.id) or id_or_key.upper() == project.key:
            return project
    return None


@blueprint.get(f"{API}/project/<id_or_key>")
def project(version: str, id_or_key: str) -> Response:
    found = _project_or_404(id_or_key)
    if found is None:
        return error(404, f"No project could be found with key '{id_or_key}'.")
    return jsonify(_project_json(version, found.key, full=True))


@blueprint.get(f"{API}/project/<id_or_key>/statuses")
def project_statuses(version: str, id_or_key: str) -> Response:
    found = _project_or_404(id_or_key)
    if found is None:
        return error(404, f"No project could be found with key '{id_or_key}'.")
    state, r = site().state, renderer(version)
    out = []
    for name in found.issue_types:
        itype = state.issue_types[name]
        workflow = state.workflows[itype.workflow]
        out.append({"self": f"{r.rest}/issuetype/{itype.id}", "id": itype.id, "name": itype.name,
                    "subtask": False, "statuses": [r.status(state.statuses[s]) for s in workflow.statuses]})
    return jsonify(out)


@blueprint.get(f"{API}/status")
def statuses(version: str) -> Response:
    r = renderer(version)
    return jsonify([r.status(s) for s in site().state.statuses.values()])


# -- search ---------------------------------------------------------------------------------------------
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


def _run_jql(text: str) -> list[int]:
    state = site().state
    with state.lock:
        return [i.id for i in jql.search(state, text, me())]


def _issue_page(version: str, ids: list[int], field_ids: list[str], expand: list[str],
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
        ids, offset = _run_jql(text), 0
        base_token = _cursors.put(text, ids) if len(ids) > limit else ""
    page = ids[offset:offset + limit]
    body: dict[str, Any] = {"issues": _issue_page(version, page, field_ids, expand, CLOUD_INLINE_CHANGELOG)}
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
                    "issues": _issue_page(version, page, field_ids, expand, CLOUD_INLINE_CHANGELOG)})


# -- issues -------------------------------------------------------------------------------------------
def find_issue(id_or_key: str):
    return site().state.issue(id_or_key)


def not_found_issue() -> Response:
    return error(404, "Issue does not exist or you do not have permission to see it.")


def with_issue(route: Callable[..., Response]) -> Callable[..., Response]:
    """The route gets the issue of its `id_or_key`, looked up under the state lock, or Jira's 404."""

    @functools.wraps(route)
    def wrapper(*args: Any, id_or_key: str, **kwargs: Any) -> Response:
        with site().state.lock:
            issue = find_issue(id_or_key)
            if issue is None:
                return not_found_issue()
            return route(*args, issue=issue, **kwargs)

    return wrapper


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
    state = site().state
    with state.lock:
        issues = [r.issue(issue, field_ids, expand, BULKFETCH_INLINE_CHANGELOG)
                  for issue in (find_issue(k) for k in dict.fromkeys(wanted)) if issue is not None]
    return jsonify({"issues": issues, "issueErrors": []})


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
    state = site().state
    histories = all_histories(state, issue)
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


@blueprint.get(f"{API}/issue/<id_or_key>/transitions")
@with_issue
def transitions(version: str, issue: SIssue) -> Response:
    state = site().state
    r = renderer(version)
    out = [{"id": t.id, "name": t.name, "to": r.status(state.statuses[t.to]), "hasScreen": False,
            "isGlobal": t.sources is None, "isInitial": False, "isAvailable": True, "isConditional": False,
            "isLooped": False} for t in state.workflow_for(issue).available(issue.status)]
    return jsonify({"expand": "transitions", "transitions": out})


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


def find_comment(id_or_key: str, comment_id: str) -> tuple[SIssue, dict[str, Any]] | Response:
    """The issue and one of its comments, or Jira's 404 for whichever is missing (call under the lock)."""
    issue = find_issue(id_or_key)
    if issue is None:
        return not_found_issue()
    found = next((c for c in issue.comments if c["id"] == comment_id), None)
    if found is None:
        return error(404, "Can not find a comment for the id: " + comment_id)
    return issue, found


def with_comment(route: Callable[..., Response]) -> Callable[..., Response]:
    """The route gets the issue and the comment of its URL, looked up under the state lock, or Jira's 404."""

    @functools.wraps(route)
    def wrapper(*args: Any, id_or_key: str, comment_id: str, **kwargs: Any) -> Response:
        with site().state.lock:
            found = find_comment(id_or_key, comment_id)
            if isinstance(found, Response):
                return found
            issue, comment_ = found
            return route(*args, issue=issue, comment=comment_, **kwargs)

    return wrapper


@blueprint.get(f"{API}/issue/<id_or_key>/comment/<comment_id>")
@with_comment
def comment(version: str, issue: SIssue, comment: dict[str, Any]) -> Response:
    return jsonify(renderer(version).comment(issue, comment))


@blueprint.get(f"{API}/issue/<id_or_key>/remotelink")
@with_issue
def remote_links(version: str, issue: SIssue) -> Response:
    r = renderer(version)
    return jsonify([r.remote_link(issue, link) for link in issue.remote_links])


@blueprint.get(f"{API}/attachment/<attachment_id>")
def attachment(version: str, attachment_id: str) -> Response:
    state = site().state
    with state.lock:
        for issue in state.live_issues():
            for data in issue.attachments:
                if data["id"] == attachment_id:
                    return jsonify(renderer(version).attachment(issue, data))
    return error(404, f"The attachment with id '{attachment_id}' does not exist")

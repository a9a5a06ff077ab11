"""Jira's people: ``myself``, ``user``, ``user/search``, ``group/member``, ``group`` (with ``expand=users``) and
``groups/picker``."""

from __future__ import annotations

import re
import uuid
from html import escape
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from .jira_lookup import API, me, renderer
from .requests_util import int_param
from .responses import error, site

blueprint = Blueprint("jira_people", __name__)


@blueprint.get(f"{API}/myself")
def myself(version: str) -> Response:
    data = renderer(version).user(me())
    assert data is not None  # the caller is a user of the site
    data["groups"] = {"size": len(me().groups), "items": []}
    data["applicationRoles"] = {"size": 1, "items": []}
    return jsonify(data)


@blueprint.get(f"{API}/user")
def get_user(version: str) -> Response:
    # Cloud knows people by account id only: username and userKey left its REST APIs with the user-privacy
    # changes of 2019 (developer.atlassian.com/cloud/jira/platform/api-changes-for-user-privacy-announcement).
    state = site().state
    if site().cloud:
        user = state.users.get(request.args.get("accountId") or "")
    else:
        ident = request.args.get("username") or request.args.get("key") or ""
        user = next((u for u in state.users.values() if u.name == ident), None)
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


GROUP_USERS_PAGE = 50
_USERS_EXPAND = re.compile(r"users(?:\[(\d+):(\d+)\])?$")


@blueprint.get(f"{API}/group")
def group(version: str) -> Response:
    """A group and, with ``expand=users``, up to 50 of its members; ``users[a:b]`` asks members ``a`` to ``b``.
    ``users.size`` is how many members the group has (without the expansion too), ``start-index``/``end-index``
    the first and last index of those listed. Sources: Jira's REST reference for ``GET /rest/api/{2,3}/group``
    (deprecated for ``group/member``, still served; "a maximum of 50 users", "append [start-index:end-index] to
    the expand request") and its sample answer (``"users": {"size": 1, "items": [], "max-results": 50,
    "start-index": 0, "end-index": 0}`` unexpanded); the `jira` library's ``group_members``, which reads ``size`` as
    the group's size and asks ``users[end-index + 1:end-index + 50]`` for the next 50."""
    name = request.args.get("groupname") or request.args.get("groupName") or ""
    members = site().state.groups.get(name)
    if members is None:
        return error(404, f"Group with name '{name}' does not exist.")
    expanded = None
    for part in (request.args.get("expand") or "").split(","):
        match = _USERS_EXPAND.match(part.strip())
        if match:
            expanded = match
    start, items = 0, []
    if expanded is not None:
        start = int(expanded.group(1)) if expanded.group(1) else 0
        last = int(expanded.group(2)) if expanded.group(2) else start + GROUP_USERS_PAGE - 1
        r = renderer(version)
        items = [r.user(u, full=False) for u in members[start:min(last + 1, start + GROUP_USERS_PAGE)]]
    return jsonify({"name": name, "self": f"{renderer(version).rest}/group?groupname={quote(name)}",
                    "users": {"size": len(members), "items": items, "max-results": GROUP_USERS_PAGE,
                              "start-index": start, "end-index": start + max(len(items) - 1, 0)},
                    "expand": "users"})


# jira.ajax.autocomplete.limit, which caps the group picker's answer: 20, as in Atlassian's example answer
# ("Showing 20 of 25 matching groups").
GROUP_PICKER_LIMIT = 20


@blueprint.get(f"{API}/groups/picker")
def group_picker(version: str) -> Response:
    """Groups whose names contain ``query``, as Jira's group picker finds them: a blank query lists every group;
    otherwise names equal to the query whatever the case come first, then names that contain it as written
    (``caseInsensitive=true`` on Cloud: whatever the case), each part sorted by name; ``exclude`` leaves groups
    out; at most ``maxResults`` and never more than the picker's limit, with ``total`` the number that matched and
    ``header`` "Showing X of Y matching groups"; Cloud adds each group's ``groupId``. Sources: Jira's REST
    reference for ``GET /rest/api/{2,3}/groups/picker`` (the parameters, "limited by the system property
    jira.ajax.autocomplete.limit", the example answer of 20 of 25) and Jira's ``GroupPickerSearchServiceImpl``
    (exact matches ignoring case first, JRA-26981, then ``getName().contains(query)``, sorted by
    ``GroupComparator``)."""
    query = request.args.get("query") or ""
    excluded = set(request.args.getlist("exclude"))
    ignore_case = site().cloud and (request.args.get("caseInsensitive") or "").lower() == "true"
    names = sorted((n for n in site().state.groups if n not in excluded), key=lambda n: (n.casefold(), n))
    if query.strip():
        exact = [n for n in names if n.casefold() == query.casefold()]
        contained = [n for n in names if n not in exact
                     and (query.casefold() in n.casefold() if ignore_case else query in n)]
        names = exact + contained
    limit = min(int_param("maxResults", GROUP_PICKER_LIMIT, 1), GROUP_PICKER_LIMIT)
    shown = names[:limit]
    groups = []
    for name in shown:
        found = {"name": name, "html": _highlight(name, query)}
        if site().cloud:
            found["groupId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site().base_url}/group/{name}"))
        groups.append(found)
    return jsonify({"header": f"Showing {len(shown)} of {len(names)} matching groups", "total": len(names),
                    "groups": groups})


def _highlight(name: str, query: str) -> str:
    at = name.casefold().find(query.casefold()) if query.strip() else -1
    if at < 0:
        return escape(name)
    end = at + len(query)
    return f"{escape(name[:at])}<b>{escape(name[at:end])}</b>{escape(name[end:])}"

"""Jira's site-wide facts: ``serverInfo`` (``deploymentType`` Cloud or Server), fields and statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify

from .jira_lookup import API, renderer
from .render import timestamp
from .responses import site

blueprint = Blueprint("jira_site", __name__)


@blueprint.get(f"{API}/serverInfo")
def server_info(version: str) -> Response:
    cloud = site().cloud
    return jsonify({"baseUrl": site().base_url, "displayUrl": site().base_url,
                    "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.5",
                    "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 5],
                    "deploymentType": "Cloud" if cloud else "Server", "buildNumber": 100250 if cloud else 9120005,
                    "buildDate": "2026-11-01T00:00:00.000+0000", "serverTime": timestamp(datetime.now(UTC)),
                    "scmInfo": "sandbox", "serverTitle": "pmokit sandbox"})


@blueprint.get("/rest/auth/1/session")
def session_info() -> Response:
    """Who the caller is, as Jira's auth resource answers (what ``JIRA(..., validate=True)`` asks first); its
    shape as Jira Server/Data Center's REST reference gives it: ``self``, ``name``, ``loginInfo``."""
    user = site().state.users.get(g.user or "")
    name = user.name if user is not None else str(g.user or "")
    return jsonify({"self": f"{site().base_url}/rest/api/latest/user?username={name}", "name": name,
                    "loginInfo": {"failedLoginCount": 0, "loginCount": 1,
                                  "previousLoginTime": timestamp(datetime.now(UTC), site().state.time_zone)}})


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


@blueprint.get(f"{API}/status")
def statuses(version: str) -> Response:
    r = renderer(version)
    return jsonify([r.status(s) for s in site().state.statuses.values()])

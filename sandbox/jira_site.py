"""Jira's site-wide facts: ``serverInfo`` (``deploymentType`` Cloud or Server), fields (and renaming a custom field
on Cloud) and statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify

from . import jira_permissions
from .jira_lookup import API, renderer
from .model import SField
from .render import timestamp
from .requests_util import body
from .responses import error, site

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
    return jsonify([{"id": f.id, "key": f.id, "name": f.name, "custom": f.custom, "orderable": True,
                     "navigable": f.navigable, "searchable": True, "clauseNames": list(f.clause_names),
                     "schema": field_schema(f)} for f in site().state.fields.values()])


def field_schema(f: SField) -> dict[str, Any]:
    """A field's ``schema``, as the field list and the edit metadata give it."""
    schema: dict[str, Any] = {"type": f.schema_type}
    if f.custom:
        schema |= {"custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{f.schema_type}",
                   "customId": int(f.id.rsplit("_", 1)[1])}
    else:
        schema["system"] = f.id
    return schema


@blueprint.get(f"{API}/status")
def statuses(version: str) -> Response:
    r = renderer(version)
    return jsonify([r.status(s) for s in site().state.statuses.values()])


@blueprint.put("/rest/api/3/field/<field_id>")
def update_custom_field(field_id: str) -> Response:
    """Rename a custom field (Cloud's "Update custom field", ``PUT /rest/api/3/field/{fieldId}``: *Administer Jira*
    required, 403 without it, 404 for a field that is not a custom field, 204 when done; a name is at most 255
    characters). Its JQL name follows its name, as Jira's clause names do. Data Center has no such resource."""
    state = site().state
    if not jira_permissions.holds(state, g.user, None, "ADMINISTER"):
        return error(403, "You do not have permission to update custom fields.")
    data = body()
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 255):
        return error(400, "", name="The custom field name must be between 1 and 255 characters.")
    with state.lock:
        found = state.fields.get(field_id)
        if found is None or not found.custom:
            return error(404, f"The custom field was not found: {field_id}")
        if name is not None:
            found.clause_names = (name, *found.clause_names[1:]) if found.clause_names else (name,)
            found.name = name
            site().changed()
    return Response(status=204)

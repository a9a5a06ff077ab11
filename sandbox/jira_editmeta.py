"""``GET issue/{key}/editmeta``: the fields of an issue's edit screen the caller may edit, with what each takes.

As Jira's REST reference describes it ("Get edit issue metadata", v2 and v3, Cloud and Data Center): ``{"fields":
{id: {"required", "schema", "name", "key", "operations", "allowedValues"?}}}``, only fields on the edit screen, and
none at all for a user without *Edit Issues* on the issue's project. The sandbox's edit screen holds exactly what
its edit accepts (``field_edits``): summary, description, labels, assignee, due date, priority, parent and every
custom field. Operations as Jira lists them: ``set`` for single values, ``add``/``set``/``remove`` for labels.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from . import jira_permissions
from .jira_lookup import API, renderer, with_issue
from .jira_site import field_schema
from .model import SField, SIssue
from .responses import site

blueprint = Blueprint("jira_editmeta", __name__)
EDITABLE_SYSTEM = ("summary", "description", "labels", "assignee", "duedate", "priority", "parent")


def editable(field: SField) -> bool:
    return field.custom or field.id in EDITABLE_SYSTEM


@blueprint.get(f"{API}/issue/<id_or_key>/editmeta")
@with_issue
def edit_metadata(version: str, issue: SIssue) -> Response:
    if jira_permissions.refused(issue.project_key, "EDIT_ISSUES"):
        return jsonify({"fields": {}})
    r = renderer(version)
    out: dict[str, Any] = {}
    for field in site().state.fields.values():
        if not editable(field):
            continue
        entry: dict[str, Any] = {"required": field.id == "summary", "schema": field_schema(field),
                                 "name": field.name, "key": field.id,
                                 "operations": ["add", "set", "remove"] if field.id == "labels" else ["set"]}
        if field.options:
            entry["allowedValues"] = [r.custom_value(field.id, option) for option in field.options]
        out[field.id] = entry
    return jsonify({"fields": out})

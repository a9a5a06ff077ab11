"""Entity properties of issues and projects: JSON an app keeps on Jira's own records.

As Atlassian's REST reference describes them (``/issue/{issueIdOrKey}/properties/{propertyKey}``,
``/project/{projectIdOrKey}/properties/{propertyKey}``, and ``properties`` in the body of ``POST /issue``): a key
of at most 255 characters, a value that is a valid, non-empty JSON blob of at most 32768 characters; PUT answers
201 when it created the property and 200 when it updated it; GET answers ``{key, value}``, or 404 when the
property is not there; the list answers ``{keys: [{key, self}]}``. A property is read from the record, not from
the search index, so it is there as soon as it is written (the search lag does not touch it).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import jira_permissions
from .jira_lookup import API, renderer, with_issue
from .jira_projects import _find as find_project
from .jira_projects import _not_found as project_not_found
from .model import SIssue
from .responses import error, site

blueprint = Blueprint("jira_properties", __name__)
MAX_KEY = 255
MAX_VALUE = 32768


def refusal(key: Any, value: Any) -> Response | None:
    """Jira's 400 for a property it would not keep, else None."""
    if not isinstance(key, str) or not key.strip():
        return error(400, "The property key cannot be empty.")
    if len(key) > MAX_KEY:
        return error(400, f"The property key cannot be longer than {MAX_KEY} characters.")
    if value is None or value == "":
        return error(400, "The property value cannot be empty.")
    if len(json.dumps(value, ensure_ascii=False)) > MAX_VALUE:
        return error(400, f"The property value cannot be longer than {MAX_VALUE} characters.")
    return None


def _value() -> tuple[Any, Response | None]:
    if not request.get_data():
        return None, error(400, "The property value cannot be empty.")
    try:
        return json.loads(request.get_data()), None
    except ValueError:
        return None, error(400, "The property value must be valid JSON.")


def _put(owner: dict[str, Any], key: str) -> Response:
    value, problem = _value()
    problem = problem or refusal(key, value)
    if problem is not None:
        return problem
    created = key not in owner
    owner[key] = value
    site().changed()
    site().stats.write("property")
    response = jsonify({})
    response.status_code = 201 if created else 200
    return response


def _get(owner: dict[str, Any], key: str) -> Response:
    if key not in owner:
        return error(404, f"The property with key '{key}' does not exist.")
    return jsonify({"key": key, "value": owner[key]})


def _delete(owner: dict[str, Any], key: str) -> Response:
    if key not in owner:
        return error(404, f"The property with key '{key}' does not exist.")
    del owner[key]
    site().changed()
    site().stats.write("property")
    return Response(status=204)


# -- issues -----------------------------------------------------------------------------------------------
@blueprint.get(f"{API}/issue/<id_or_key>/properties")
@with_issue
def issue_keys(version: str, issue: SIssue) -> Response:
    rest = renderer(version).rest
    return jsonify({"keys": [{"key": k, "self": f"{rest}/issue/{issue.id}/properties/{k}"} for k in issue.properties]})


@blueprint.get(f"{API}/issue/<id_or_key>/properties/<path:key>")
@with_issue
def issue_get(version: str, issue: SIssue, key: str) -> Response:
    return _get(issue.properties, key)


@blueprint.put(f"{API}/issue/<id_or_key>/properties/<path:key>")
@with_issue
def issue_put(version: str, issue: SIssue, key: str) -> Response:
    return _put(issue.properties, key)


@blueprint.delete(f"{API}/issue/<id_or_key>/properties/<path:key>")
@with_issue
def issue_delete(version: str, issue: SIssue, key: str) -> Response:
    return _delete(issue.properties, key)


# -- projects ---------------------------------------------------------------------------------------------
def _with_project(id_or_key: str, act: Any) -> Response:
    with site().state.lock:
        found = find_project(id_or_key)
        return act(found) if found is not None else project_not_found(id_or_key)


@blueprint.get(f"{API}/project/<id_or_key>/properties")
def project_keys(version: str, id_or_key: str) -> Response:
    rest = renderer(version).rest
    return _with_project(id_or_key, lambda p: jsonify({"keys": [
        {"key": k, "self": f"{rest}/project/{p.key}/properties/{k}"} for k in p.properties]}))


@blueprint.get(f"{API}/project/<id_or_key>/properties/<path:key>")
def project_get(version: str, id_or_key: str, key: str) -> Response:
    return _with_project(id_or_key, lambda p: _get(p.properties, key))


def _administered(project: Any, act: Any) -> Response:
    """Setting or deleting a project property takes *Administer Jira* or *Administer Projects* on the project
    (Jira's REST reference for these operations: 403 "if the user does not have permission to administer the
    project"); reading one takes only *Browse Projects*."""
    if jira_permissions.refused(project.key, "ADMINISTER_PROJECTS", "ADMINISTER"):
        return error(403, "You do not have permission to administer this project.")
    return act(project)


@blueprint.put(f"{API}/project/<id_or_key>/properties/<path:key>")
def project_put(version: str, id_or_key: str, key: str) -> Response:
    return _with_project(id_or_key, lambda p: _administered(p, lambda q: _put(q.properties, key)))


@blueprint.delete(f"{API}/project/<id_or_key>/properties/<path:key>")
def project_delete(version: str, id_or_key: str, key: str) -> Response:
    return _with_project(id_or_key, lambda p: _administered(p, lambda q: _delete(q.properties, key)))

"""Jira projects: list, ``project/search``, get (with lead and issue types), ``project/{key}/statuses``, and the
project categories (``projectCategory``) they carry."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .jira_lookup import API, renderer
from .model import SProject, SProjectCategory
from .requests_util import int_param
from .responses import error, site

blueprint = Blueprint("jira_projects", __name__)


def _project_json(version: str, key: str, full: bool = False) -> dict[str, Any]:
    project = site().state.projects[key]
    r = renderer(version)
    data = {"self": f"{r.rest}/project/{project.id}", "id": project.id, "key": project.key, "name": project.name,
            "projectTypeKey": "software", "simplified": False, "style": "classic", "isPrivate": False,
            "avatarUrls": {"48x48": f"{site().base_url}/secure/projectavatar?pid={project.id}"}}
    category = site().state.project_categories.get(project.category)
    if category is not None:
        data["projectCategory"] = _category_json(version, category)
    if full:
        data["lead"] = r.user(project.lead, full=False)
        data["issueTypes"] = [r.issue_type(name) for name in project.issue_types]
        data["description"] = ""
    return data


def _category_json(version: str, category: SProjectCategory) -> dict[str, Any]:
    return {"self": f"{renderer(version).rest}/projectCategory/{category.id}", "id": category.id,
            "name": category.name, "description": category.description}


def _find(id_or_key: str) -> SProject | None:
    for project in site().state.projects.values():
        if id_or_key in (project.key, project.id) or id_or_key.upper() == project.key:
            return project
    return None


def _not_found(id_or_key: str) -> Response:
    return error(404, f"No project could be found with key '{id_or_key}'.")


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


@blueprint.get(f"{API}/project/<id_or_key>")
def project(version: str, id_or_key: str) -> Response:
    found = _find(id_or_key)
    return jsonify(_project_json(version, found.key, full=True)) if found else _not_found(id_or_key)


@blueprint.get(f"{API}/project/<id_or_key>/statuses")
def project_statuses(version: str, id_or_key: str) -> Response:
    found = _find(id_or_key)
    if found is None:
        return _not_found(id_or_key)
    state, r = site().state, renderer(version)
    out = []
    for name in found.issue_types:
        itype = state.issue_types[name]
        workflow = state.workflows[itype.workflow]
        out.append({"self": f"{r.rest}/issuetype/{itype.id}", "id": itype.id, "name": itype.name,
                    "subtask": False, "statuses": [r.status(state.statuses[s]) for s in workflow.statuses]})
    return jsonify(out)


@blueprint.get(f"{API}/projectCategory")
def project_categories(version: str) -> Response:
    """Every project category, as ``[{self, id, name, description}]``, each project carrying its own in
    ``projectCategory``. Source: Jira's REST reference for ``GET /rest/api/{2,3}/projectCategory`` ("Returns all
    project categories") and its example answer (ids from 10000, ids as strings, ``description`` beside ``name``);
    the ``ProjectCategory`` object in ``project`` and ``project/search`` answers."""
    return jsonify([_category_json(version, c) for c in site().state.project_categories.values()])

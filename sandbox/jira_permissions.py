"""Jira's permissions: ``GET mypermissions`` and who may do what on a project.

The sandbox's permission scheme is an open one: every active user holds every project permission on every
project, unless a test took one away from a user on a project (``POST /_sandbox/permissions`` or
``Sandbox.revoke_permission``); the global *Administer Jira* belongs to the members of ``jira-administrators``.
A permission taken away is refused where Jira refuses it (see :func:`refused` and the routes that call it).

The answer's shape, ids, names and descriptions are those of a recorded Jira Cloud answer (pjsnps/SynopsysScripts,
``util/SnpsSigSup_TestJira.bash``: ``{"permissions": {"EDIT_ISSUES": {"id": "12", "key": "EDIT_ISSUES", "name":
"Edit Issues", "type": "PROJECT", "description": "Ability to edit issues.", "havePermission": true}}}``) and of
Jira's REST reference for ``GET /rest/api/3/mypermissions``. Since February 2019 Jira Cloud requires the
``permissions`` parameter and answers 400 "The 'permissions' query parameter is required." without it (Atlassian's
change notice; the answer recorded in rhevm-qe-automation/pytest_jira#111); Data Center keeps it optional and
then answers every permission.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Response, g, jsonify, request

from .jira_lookup import API
from .model import SiteState
from .responses import error, site

blueprint = Blueprint("jira_permissions", __name__)

# key -> (id, name, description), as the recorded Cloud answer gives them.
PROJECT_PERMISSIONS: dict[str, tuple[str, str, str]] = {
    "BROWSE_PROJECTS": ("10", "Browse Projects", "Ability to browse projects and the issues within them."),
    "CREATE_ISSUES": ("11", "Create Issues", "Ability to create issues."),
    "EDIT_ISSUES": ("12", "Edit Issues", "Ability to edit issues."),
    "ASSIGN_ISSUES": ("13", "Assign Issues", "Ability to assign issues to other people."),
    "RESOLVE_ISSUES": ("14", "Resolve Issues",
                       "Ability to resolve and reopen issues. This includes the ability to set a fix version."),
    "ADD_COMMENTS": ("15", "Add Comments", "Ability to comment on issues."),
    "DELETE_ISSUES": ("16", "Delete Issues", "Ability to delete issues."),
    "ASSIGNABLE_USER": ("17", "Assignable User", "Users with this permission may be assigned to issues."),
    "CLOSE_ISSUES": ("18", "Close Issues", "Ability to close issues. Often useful where your developers resolve "
                                           "issues, and a QA department closes them."),
    "CREATE_ATTACHMENTS": ("19", "Create Attachments", "Users with this permission may create attachments."),
    "WORK_ON_ISSUES": ("20", "Work On Issues", "Ability to log work done against an issue. Only useful if Time "
                                               "Tracking is turned on."),
    "LINK_ISSUES": ("21", "Link Issues", "Ability to link issues together and create linked issues. Only useful if "
                                         "issue linking is turned on."),
    "ADMINISTER_PROJECTS": ("23", "Administer Projects", "Ability to administer a project in Jira."),
    "MOVE_ISSUES": ("25", "Move Issues", "Ability to move issues between projects or between workflows of the same "
                                         "project (if applicable). Note the user can only move issues to a project "
                                         "they have the create permission for."),
    "SCHEDULE_ISSUES": ("28", "Schedule Issues", "Ability to view or edit an issue's due date."),
    "MODIFY_REPORTER": ("30", "Modify Reporter", "Ability to modify the reporter when creating or editing an issue."),
    "VIEW_VOTERS_AND_WATCHERS": ("31", "View Voters and Watchers",
                                 "Ability to view the voters and watchers of an issue."),
    "MANAGE_WATCHERS": ("32", "Manage Watchers", "Ability to manage the watchers of an issue."),
    "EDIT_ALL_COMMENTS": ("34", "Edit All Comments", "Ability to edit all comments made on issues."),
    "EDIT_OWN_COMMENTS": ("35", "Edit Own Comments", "Ability to edit own comments made on issues."),
    "DELETE_ALL_COMMENTS": ("36", "Delete All Comments", "Ability to delete all comments made on issues."),
    "DELETE_OWN_COMMENTS": ("37", "Delete Own Comments", "Ability to delete own comments made on issues."),
    "DELETE_ALL_ATTACHMENTS": ("38", "Delete All Attachments",
                               "Users with this permission may delete all attachments."),
    "DELETE_OWN_ATTACHMENTS": ("39", "Delete Own Attachments",
                               "Users with this permission may delete own attachments."),
    "VIEW_READONLY_WORKFLOW": ("45", "View Read-Only Workflow",
                               "Users with this permission may view a read-only version of a workflow."),
    "TRANSITION_ISSUES": ("46", "Transition Issues", "Ability to transition issues."),
}
GLOBAL_PERMISSIONS: dict[str, tuple[str, str, str]] = {
    "ADMINISTER": ("0", "Administer Jira", "Ability to perform most administration functions."),
    "USER_PICKER": ("27", "Browse users and groups", "View and select users or groups from the user picker, and "
                                                     "share issues. Users with this permission can see the names of "
                                                     "all users and groups on your site."),
    "CREATE_SHARED_OBJECTS": ("22", "Share dashboards and filters", "Share dashboards and filters with other users."),
    "BULK_CHANGE": ("33", "Make bulk changes", "Modify collections of issues at once. For example, resolve multiple "
                                               "issues in one step."),
}
ADMINISTRATORS = "jira-administrators"


def holds(state: SiteState, account_id: str | None, project_key: str | None, key: str) -> bool:
    """Whether the user holds the permission ``key``: a project permission on ``project_key`` (on any project when
    it is None, as Jira reports one outside a project), a global one anywhere."""
    user = state.users.get(account_id or "")
    if user is None or not user.active:
        return False
    if key in GLOBAL_PERMISSIONS:
        return key != "ADMINISTER" or ADMINISTRATORS in user.groups
    taken = state.revoked.get(user.account_id, {})
    if project_key is None:
        return any(key not in taken.get(p, ()) for p in state.projects)
    return key not in taken.get(project_key, ())


def refused(project_key: str, *keys: str) -> bool:
    """The caller holds none of ``keys`` on the project (call within a request)."""
    return not any(holds(site().state, g.user, project_key, key) for key in keys)


def _entry(key: str, have: bool) -> dict[str, object]:
    ident, name, description = PROJECT_PERMISSIONS.get(key) or GLOBAL_PERMISSIONS[key]
    return {"id": ident, "key": key, "name": name, "type": "PROJECT" if key in PROJECT_PERMISSIONS else "GLOBAL",
            "description": description, "havePermission": have}


@blueprint.get(f"{API}/mypermissions")
def my_permissions(version: str) -> Response:
    state = site().state
    asked = [k.strip() for k in (request.args.get("permissions") or "").split(",") if k.strip()]
    if not asked:
        if site().cloud:
            return error(400, "The 'permissions' query parameter is required.")
        asked = [*PROJECT_PERMISSIONS, *GLOBAL_PERMISSIONS]
    unknown = [k for k in asked if k not in PROJECT_PERMISSIONS and k not in GLOBAL_PERMISSIONS]
    if unknown:  # the reference documents a 400 for an invalid key; the wording is the sandbox's own
        return error(400, f"Permission keys not found: {', '.join(unknown)}")
    with state.lock:
        project_key = _context_project()
        if isinstance(project_key, Response):
            return project_key
        return jsonify({"permissions": {key: _entry(key, holds(state, g.user, project_key, key)) for key in asked}})


def _context_project() -> str | Response | None:
    """The project the question is asked about: ``projectId`` over ``projectKey``, ``issueId`` over ``issueKey``
    (the reference: each is "ignored if" the id is given); none: the global context; Jira's 404 for one it has not."""
    state = site().state
    project_id, project_key = request.args.get("projectId"), request.args.get("projectKey")
    if project_id or project_key:
        found = next((p for p in state.projects.values()
                      if (p.id == project_id if project_id else p.key == (project_key or "").upper())), None)
        if found is None:
            return error(404, f"No project could be found with key '{project_id or project_key}'.")
        return found.key
    issue_ref = request.args.get("issueId") or request.args.get("issueKey")
    if issue_ref:
        issue = state.issue(issue_ref)
        if issue is None:
            return error(404, "Issue does not exist or you do not have permission to see it.")
        return issue.project_key
    return None


def change(state: SiteState, user: str, project: str, *, revoke: Sequence[str] = (),
           grant: Sequence[str] = ()) -> None:
    """Take permissions away from a user on a project, or give them back (a test's control)."""
    found = state.user(user)
    if found is None:
        raise ValueError(f"no user {user!r}")
    if project not in state.projects:
        raise ValueError(f"no project {project!r}")
    for key in [*revoke, *grant]:
        if key not in PROJECT_PERMISSIONS:
            raise ValueError(f"{key!r} is not a project permission (known: {', '.join(PROJECT_PERMISSIONS)})")
    with state.lock:
        taken = state.revoked.setdefault(found.account_id, {}).setdefault(project, [])
        taken.extend(k for k in revoke if k not in taken)
        taken[:] = [k for k in taken if k not in grant]

"""Issue transitions: the ones available from an issue's status, and doing one (fields set on the way; the
resolution follows the status category). Work items move freely; project records one phase forward or back.

A transition into a status of the done category has a screen with Resolution: ``fields.resolution`` (``{"name":
"Won't Do"}`` or ``{"id": ...}``) sets it there (atlassian/gajira-transition#30 closes an issue as "Won't Do" with
that body), and "Done" is set when none is given. Any other transition has no such screen, and Jira refuses the
field: "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."
(mozilla/jira-bugzilla-integration#294, #1258)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify

from . import field_edits, jira_events, jira_permissions
from .catalog import DONE_RESOLUTION, RESOLUTIONS
from .histories import make_item, new_history
from .jira_lookup import API, renderer, with_issue
from .model import SIssue
from .requests_util import body
from .responses import error, site

blueprint = Blueprint("jira_transitions", __name__)
DC_TRANSITION_EVENTS = {"indeterminate": "issue_work_started", "done": "issue_resolved", "new": "issue_reopened"}


@blueprint.get(f"{API}/issue/<id_or_key>/transitions")
@with_issue
def transitions(version: str, issue: SIssue) -> Response:
    state = site().state
    r = renderer(version)
    out = [] if _may_not(issue) else [{"id": t.id, "name": t.name, "to": r.status(state.statuses[t.to]),
            "hasScreen": state.statuses[t.to].category == "done",
            "isGlobal": t.sources is None, "isInitial": False, "isAvailable": True, "isConditional": False,
            "isLooped": False} for t in state.workflow_for(issue).available(issue.status)]
    return jsonify({"expand": "transitions", "transitions": out})


@blueprint.post(f"{API}/issue/<id_or_key>/transitions")
@with_issue
def do_transition(version: str, issue: SIssue) -> Response:
    data = body()
    transition_id = str((data.get("transition") or {}).get("id") or "")
    state = site().state
    transition = None if _may_not(issue) else next(
        (t for t in state.workflow_for(issue).available(issue.status) if t.id == transition_id), None)
    if transition is None:
        return error(400, f"Transition id '{transition_id}' is not valid for this issue.")
    before, after = state.statuses[issue.status], state.statuses[transition.to]
    fields = dict(data.get("fields") or {})
    resolution: str | None = None
    if "resolution" in fields:
        if after.category != "done":
            return field_edits.cannot_set("resolution")
        resolution = _resolution_id(fields.pop("resolution"))
        if resolution is None:
            # No recorded wording for an unknown resolution: the sandbox's own, in Jira's field-error shape.
            return error(400, "", resolution="The resolution must be one of: "
                                             + ", ".join(name for _, name, _ in RESOLUTIONS))
    extra = field_edits.apply(version, issue, fields, data.get("update") or {})
    if isinstance(extra, Response):
        return extra
    items = [make_item("status", "status", before.id, before.name, after.id, after.name), *extra]
    held = (issue.resolution or DONE_RESOLUTION) if issue.resolutiondate is not None else None
    if after.category == "done":
        chosen = resolution or held or DONE_RESOLUTION
        if chosen != held:
            items.append(make_item("resolution", "resolution", held, _resolution_name(held), chosen,
                                   _resolution_name(chosen)))
        issue.resolution = chosen
        issue.resolutiondate = issue.resolutiondate or datetime.now(UTC)
    elif held is not None:
        items.append(make_item("resolution", "resolution", held, _resolution_name(held), None, None))
        issue.resolution, issue.resolutiondate = None, None
    issue.status = after.id
    now = datetime.now(UTC)
    history = new_history(state, issue, g.user, now, items)
    issue.updated = now
    site().changed()
    site().stats.write("transition")
    type_name = "issue_generic" if site().cloud else DC_TRANSITION_EVENTS.get(after.category, "issue_generic")
    jira_events.issue_updated(version, issue, items, history["id"], type_name)
    return Response(status=204)


def _may_not(issue: SIssue) -> bool:
    """Without *Transition Issues* on the issue's project no transition is available to the caller: Jira lists
    only the transitions the user can perform ("Get transitions" in Jira's REST reference) and refuses the others
    with 400 ("Transition issue": "the user does not have permission to transition the issue")."""
    return jira_permissions.refused(issue.project_key, "TRANSITION_ISSUES")


def _resolution_id(value: object) -> str | None:
    """The id of the resolution ``{"name": ...}`` or ``{"id": ...}`` names (a bare name is taken too), or None."""
    wanted = value.get("id") or value.get("name") if isinstance(value, dict) else value
    return next((rid for rid, name, _ in RESOLUTIONS if wanted in (rid, name)), None)


def _resolution_name(rid: str | None) -> str | None:
    return next((name for r, name, _ in RESOLUTIONS if r == rid), None)

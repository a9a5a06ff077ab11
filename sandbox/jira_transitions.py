"""Issue transitions: the ones available from an issue's status, and doing one (fields set on the way; the
resolution follows the status category). Work items move freely; project records one phase forward or back."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify

from . import field_edits, jira_events
from .catalog import RESOLUTIONS
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
    out = [{"id": t.id, "name": t.name, "to": r.status(state.statuses[t.to]), "hasScreen": False,
            "isGlobal": t.sources is None, "isInitial": False, "isAvailable": True, "isConditional": False,
            "isLooped": False} for t in state.workflow_for(issue).available(issue.status)]
    return jsonify({"expand": "transitions", "transitions": out})


def _resolution(value: object, resolves: bool) -> str | Response | None:
    """The resolution id a transition sets: by ``{"name": ...}`` or ``{"id": ...}``; only a transition into a
    done status shows the resolution field (elsewhere Jira answers that it is not on the screen)."""
    if value is None:
        return None
    if not resolves:
        return error(400, "", resolution="Field 'resolution' cannot be set. It is not on the appropriate screen, "
                                         "or unknown.")
    wanted = value if isinstance(value, dict) else {}
    for rid, name in RESOLUTIONS.items():
        if str(wanted.get("id")) == rid or str(wanted.get("name", "")).casefold() == name.casefold():
            return rid
    return error(400, "", resolution=f"Resolution '{wanted.get('name') or wanted.get('id')}' is not valid.")


@blueprint.post(f"{API}/issue/<id_or_key>/transitions")
@with_issue
def do_transition(version: str, issue: SIssue) -> Response:
    data = body()
    transition_id = str((data.get("transition") or {}).get("id") or "")
    state = site().state
    transition = next((t for t in state.workflow_for(issue).available(issue.status) if t.id == transition_id),
                      None)
    if transition is None:
        return error(400, f"Transition id '{transition_id}' is not valid for this issue.")
    fields = dict(data.get("fields") or {})
    before, after = state.statuses[issue.status], state.statuses[transition.to]
    resolution = _resolution(fields.pop("resolution", None), after.category == "done")
    if isinstance(resolution, Response):
        return resolution
    extra = field_edits.apply(version, issue, fields, data.get("update") or {})
    if isinstance(extra, Response):
        return extra
    items = [make_item("status", "status", before.id, before.name, after.id, after.name), *extra]
    was = issue.resolution or ("10000" if issue.resolutiondate else None)
    if after.category == "done":
        now_resolved = resolution or was or "10000"
        if now_resolved != was:
            items.append(make_item("resolution", "resolution", was, RESOLUTIONS.get(was or ""), now_resolved,
                                   RESOLUTIONS[now_resolved]))
        issue.resolution = now_resolved
        issue.resolutiondate = issue.resolutiondate or datetime.now(UTC)
    elif issue.resolutiondate is not None:
        items.append(make_item("resolution", "resolution", was, RESOLUTIONS.get(was or ""), None, None))
        issue.resolutiondate, issue.resolution = None, None
    issue.status = after.id
    now = datetime.now(UTC)
    history = new_history(state, issue, g.user, now, items)
    issue.updated = now
    site().changed()
    site().stats.write("transition")
    type_name = "issue_generic" if site().cloud else DC_TRANSITION_EVENTS.get(after.category, "issue_generic")
    jira_events.issue_updated(version, issue, items, history["id"], type_name)
    return Response(status=204)

"""Controls under ``/_sandbox/``: stats, faults, permissions taken away, and a small index page. Never under an
Atlassian path."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from . import jira_permissions
from .confluence_view import page_path
from .html_page import page
from .responses import error, site
from .rich_view import adf_html, wiki_html

blueprint = Blueprint("control", __name__)


@blueprint.get("/_sandbox/stats")
def stats() -> Response:
    return jsonify(site().stats.snapshot())


@blueprint.post("/_sandbox/reset-stats")
def reset_stats() -> Response:
    site().stats.reset()
    return jsonify({"reset": True})


@blueprint.get("/_sandbox/faults")
def get_faults() -> Response:
    return jsonify(site().faults.describe())


@blueprint.post("/_sandbox/faults")
def set_faults() -> Response:
    spec = request.get_json(silent=True)
    if not isinstance(spec, dict):
        return error(400, "POST a JSON object of faults (an empty object clears them)")
    try:
        site().faults.configure(spec)
    except (TypeError, ValueError) as exc:
        return error(400, f"bad faults: {exc}")
    return jsonify(site().faults.describe())


@blueprint.get("/_sandbox/permissions")
def get_permissions() -> Response:
    """The project permissions taken away: account id -> project key -> permission keys."""
    return jsonify(site().state.revoked)


@blueprint.post("/_sandbox/permissions")
def set_permissions() -> Response:
    """Take project permissions away from a user on a project, or give them back: ``{"user": "pmokit-bot",
    "project": "OMS", "revoke": ["TRANSITION_ISSUES"], "grant": [...]}`` (a user by account id, name or e-mail)."""
    spec = request.get_json(silent=True)
    if not isinstance(spec, dict):
        return error(400, 'POST {"user": ..., "project": ..., "revoke": [...], "grant": [...]}')
    lists = [spec.get(k) or [] for k in ("revoke", "grant")]
    if not all(isinstance(v, list) and all(isinstance(k, str) for k in v) for v in lists):
        return error(400, "revoke and grant are lists of permission keys")
    try:
        jira_permissions.change(site().state, str(spec.get("user") or ""), str(spec.get("project") or ""),
                                revoke=lists[0], grant=lists[1])
    except ValueError as exc:
        return error(400, str(exc))
    return jsonify(site().state.revoked)


@blueprint.post("/_sandbox/flush-webhooks")
def flush_webhooks() -> Response:
    done = site().dispatcher.flush(float(request.args.get("timeout", 30)))
    return jsonify({"flushed": done})


@blueprint.get("/_sandbox/")
def index() -> Response:
    state = site().state
    pages = "".join(f'<li><a href="{_esc(page_path(p))}">{_esc(p.title)}</a></li>'
                    for p in state.pages.values() if p.status == "current")
    body = (f"<p>Jira: {state.flavor}, Confluence: {site().confluence_flavor} (at {site().context_path}). "
            f"Issues: {len(state.live_issues())}. Projects: {len(state.projects)}.</p>"
            f"<p><a href='/_sandbox/stats'>stats</a> · <a href='/_sandbox/faults'>faults</a> · "
            f"<a href='/_sandbox/permissions'>permissions taken away</a></p>"
            f"<h2>Confluence pages</h2><ul>{pages}</ul>")
    return Response(page("pmokit sandbox", body), mimetype="text/html")


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@blueprint.get("/browse/<key>")
def browse(key: str) -> Response:
    """An issue as people read it: summary, status, labels, comments (pmokit's among them)."""
    state = site().state
    issue = state.issue(key)
    if issue is None or issue.deleted:
        return Response(page("Issue not found", ""), status=404, mimetype="text/html")
    status = state.statuses[issue.status].name if issue.status in state.statuses else issue.status

    def author(account: object) -> str:
        user = state.users.get(account) if isinstance(account, str) else None
        return user.display_name if user is not None else str(account)

    def shown(comment: dict) -> str:  # as Jira's issue view draws it: the ADF document on Cloud, else wiki markup
        return adf_html(comment["adf"]) if comment.get("adf") else wiki_html(comment["body"])

    comments = "".join(f"<div class=comment><b>{_esc(author(c['author']))}"
                       f"</b> <span class=meta>{_esc(str(c.get('updated') or c['created'])[:16])}</span>"
                       f"<div>{shown(c)}</div></div>"
                       for c in issue.comments)
    body = (f"<p>{_esc(issue.issue_type)} · {_esc(status)} · labels: {_esc(', '.join(issue.labels) or '—')}</p>"
            f"<h2>Comments</h2>{comments or '<p>None.</p>'}")
    return Response(page(f"{issue.key} {issue.summary}", body), mimetype="text/html")

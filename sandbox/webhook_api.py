"""Webhook registration, as Jira's admin REST API offers it: ``/rest/webhooks/1.0/webhook``.

As Atlassian's webhooks plugin answers (its ``RegistrationResource`` and ``WebHookListenerServiceImpl``): admins
only (403 otherwise); ``POST`` 201 with a ``Location`` and the webhook; ``GET``, ``GET {id}`` (404 with no body);
``PUT {id}`` 200 (404 for no such webhook); ``DELETE {id}`` 204 (404 with no body); ``PUT {id}/enabled`` with
``true`` or ``false``. A name, a URL and events are required (400, the plugin's ``messages`` list); a webhook with
the same URL, the same filters and the same set of events as another is a 409. The JQL filter is stored as sent,
under ``filters.issue-related-events-section`` (empty when none). A ``secret`` is write-only: it signs deliveries
and is never shown; a ``PUT`` without one keeps the one the webhook had.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import jql
from .jira_lookup import me
from .model import SWebhook
from .requests_util import body
from .responses import site

blueprint = Blueprint("webhook_api", __name__)
BASE = "/rest/webhooks/1.0/webhook"
EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
          "comment_deleted"}
FILTER = "issue-related-events-section"
ADMINS = "jira-administrators"


def _json(hook: SWebhook) -> dict[str, Any]:
    who = next((u for u in site().state.users.values() if hook.updated_by in (u.account_id, u.name)), None)
    return {"self": f"{site().base_url}{BASE}/{hook.id}", "name": hook.name, "url": hook.url,
            "events": list(hook.events), "filters": {FILTER: hook.jql or ""},
            "excludeBody": hook.exclude_body, "enabled": hook.enabled,
            # When it was last changed and by whom: the same on every read (it was the time of each read before).
            "lastUpdated": hook.updated_ms, "lastUpdatedUser": hook.updated_by,
            "lastUpdatedDisplayName": who.display_name if who else hook.updated_by}


def _messages(status: int, *messages: tuple[str, str]) -> Response:
    """The plugin's error body: ``{"messages": [{"key": ..., "arguments": [...]}]}``."""
    response = jsonify({"messages": [{"key": key, "arguments": [text]} for key, text in messages]})
    response.status_code = status
    return response


def _empty(status: int) -> Response:
    return Response(status=status)


def _not_admin() -> Response | None:
    if ADMINS in me().groups:
        return None
    return _messages(403, ("webhooks.forbidden", "Only Jira administrators can register and manage webhooks."))


def _checked(data: dict[str, Any], hook_id: int | None) -> Response | tuple[str, str, list[str], str | None]:
    """(name, url, events, jql) of a registration, or the error Jira answers it with."""
    name, url, events = data.get("name"), data.get("url"), data.get("events")
    missing = [(field, f"The field '{field}' is required.") for field, value in
               (("name", name), ("url", url)) if not isinstance(value, str) or not value.strip()]
    if events is None:
        missing.append(("events", "The field 'events' is required."))
    if missing:
        return _messages(400, *missing)
    assert isinstance(name, str) and isinstance(url, str)
    if not url.startswith(("http://", "https://")) or not isinstance(events, list):
        return _messages(400, ("url", "A webhook needs an http(s) 'url' and a list of 'events'."))
    unknown = [str(e) for e in events if e not in EVENTS]
    if not events or unknown:
        return _messages(400, ("events", f"Unknown or missing webhook events: {', '.join(unknown) or 'none given'}. "
                                         f"Known: {', '.join(sorted(EVENTS))}"))
    given = data.get("filters")
    filters: dict[str, Any] = given if isinstance(given, dict) else {}
    filter_jql = filters.get(FILTER) or data.get("jqlFilter") or None
    if filter_jql:
        try:
            jql.parse(site().state, filter_jql)
        except jql.JqlError as exc:
            return _messages(400, ("filters", f"Invalid JQL filter: {exc}"))
    duplicate = next((h for h in site().state.webhooks.values() if h.id != hook_id and h.url == url
                      and (h.jql or "") == (filter_jql or "") and set(h.events) == set(events)), None)
    if duplicate is not None:
        return _messages(409, ("webhooks.duplicate.registration",
                               f"A webhook with this URL, these events and this filter is registered already "
                               f"({BASE}/{duplicate.id})."))
    return name, url, [str(e) for e in events], filter_jql


def _stamp(hook: SWebhook) -> None:
    who = me()
    hook.updated_ms = int(datetime.now(UTC).timestamp() * 1000)
    hook.updated_by = who.account_id if site().cloud else who.name


@blueprint.post(BASE)
def register() -> Response:
    refused = _not_admin()
    if refused is not None:
        return refused
    data = body()
    state = site().state
    with state.lock:
        checked = _checked(data, None)
        if isinstance(checked, Response):
            return checked
        name, url, events, filter_jql = checked
        hook = SWebhook(state.next_id("webhook"), name, url, events, filter_jql, data.get("secret") or None,
                        bool(data.get("enabled", True)), exclude_body=bool(data.get("excludeBody", False)))
        _stamp(hook)
        state.webhooks[hook.id] = hook
        site().changed()
    response = jsonify(_json(hook))
    response.status_code = 201
    response.headers["Location"] = _json(hook)["self"]
    return response


@blueprint.get(BASE)
def list_hooks() -> Response:
    return _not_admin() or jsonify([_json(h) for h in site().state.webhooks.values()])


@blueprint.get(f"{BASE}/<int:hook_id>")
def get_hook(hook_id: int) -> Response:
    refused = _not_admin()
    if refused is not None:
        return refused
    hook = site().state.webhooks.get(hook_id)
    return jsonify(_json(hook)) if hook else _empty(404)


@blueprint.put(f"{BASE}/<int:hook_id>")
def update_hook(hook_id: int) -> Response:
    refused = _not_admin()
    if refused is not None:
        return refused
    data = body()
    state = site().state
    with state.lock:
        hook = state.webhooks.get(hook_id)
        if hook is None:
            return _messages(404, ("webhooks.notfound", f"WebHookListener with id {hook_id} not found"))
        checked = _checked(data, hook_id)
        if isinstance(checked, Response):
            return checked
        hook.name, hook.url, hook.events, hook.jql = checked
        if "secret" in data:  # absent: the webhook keeps the secret it had
            hook.secret = data.get("secret") or None
        if "enabled" in data:
            hook.enabled = bool(data["enabled"])
        if "excludeBody" in data:
            hook.exclude_body = bool(data["excludeBody"])
        _stamp(hook)
        site().changed()
    return jsonify(_json(hook))


@blueprint.put(f"{BASE}/<int:hook_id>/enabled")
def enable_hook(hook_id: int) -> Response:
    refused = _not_admin()
    if refused is not None:
        return refused
    state = site().state
    with state.lock:
        hook = state.webhooks.get(hook_id)
        if hook is None:
            return _empty(404)
        hook.enabled = request.get_data(as_text=True).strip().lower() == "true"
        site().changed()
    return jsonify(hook.enabled)


@blueprint.delete(f"{BASE}/<int:hook_id>")
def delete_hook(hook_id: int) -> Response:
    refused = _not_admin()
    if refused is not None:
        return refused
    with site().state.lock:
        if site().state.webhooks.pop(hook_id, None) is None:
            return _empty(404)
        site().changed()
    return _empty(204)

"""Webhook registration, as Jira's admin REST API offers it: ``/rest/webhooks/1.0/webhook``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify

from . import jql
from .jira_lookup import me
from .model import SWebhook
from .requests_util import body
from .responses import error, site

blueprint = Blueprint("webhook_api", __name__)
BASE = "/rest/webhooks/1.0/webhook"
EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
          "comment_deleted"}


def _json(hook: SWebhook) -> dict[str, Any]:
    return {"self": f"{site().base_url}{BASE}/{hook.id}", "name": hook.name, "url": hook.url,
            "events": list(hook.events), "filters": {"issue-related-events-section": hook.jql or ""},
            "excludeBody": False, "enabled": hook.enabled,
            # When it was last changed and by whom: the same on every read (it was the time of each read before).
            "lastUpdated": hook.updated_ms, "lastUpdatedUser": hook.updated_by}


@blueprint.post(BASE)
def register() -> Response:
    data = body()
    name, url, events = data.get("name"), data.get("url"), data.get("events") or []
    if not name or not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return error(400, "A webhook needs a 'name' and an http(s) 'url'.")
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        return error(400, f"Unknown or missing webhook events: {', '.join(unknown) or 'none given'}. "
                          f"Known: {', '.join(sorted(EVENTS))}")
    filter_jql = (data.get("filters") or {}).get("issue-related-events-section") or data.get("jqlFilter")
    if filter_jql:
        try:
            jql.parse(site().state, filter_jql)
        except jql.JqlError as exc:
            return error(400, f"Invalid JQL filter: {exc}")
    state = site().state
    with state.lock:
        who = me()
        hook = SWebhook(state.next_id("webhook"), name, url, list(events), filter_jql or None,
                        data.get("secret") or None, bool(data.get("enabled", True)),
                        int(datetime.now(UTC).timestamp() * 1000), who.account_id if site().cloud else who.name)
        state.webhooks[hook.id] = hook
        site().changed()
    response = jsonify(_json(hook))
    response.status_code = 201
    return response


@blueprint.get(BASE)
def list_hooks() -> Response:
    return jsonify([_json(h) for h in site().state.webhooks.values()])


@blueprint.get(f"{BASE}/<int:hook_id>")
def get_hook(hook_id: int) -> Response:
    hook = site().state.webhooks.get(hook_id)
    return jsonify(_json(hook)) if hook else error(404, f"Webhook {hook_id} does not exist.")


@blueprint.delete(f"{BASE}/<int:hook_id>")
def delete_hook(hook_id: int) -> Response:
    with site().state.lock:
        if site().state.webhooks.pop(hook_id, None) is None:
            return error(404, f"Webhook {hook_id} does not exist.")
        site().changed()
    return Response(status=204)

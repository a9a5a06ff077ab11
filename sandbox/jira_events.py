"""The webhook events a Jira write emits (see :mod:`sandbox.webhooks` for their bodies and delivery)."""

from __future__ import annotations

from typing import Any

from flask import g

from . import webhooks
from .jira_lookup import renderer
from .model import SIssue
from .responses import site


def issue_updated(version: str, issue: SIssue, items: list[dict[str, Any]], history_id: str,
                  type_name: str = "issue_updated") -> None:
    body = webhooks.issue_event(renderer(version), "jira:issue_updated", type_name, issue, g.user, items,
                                history_id)
    site().dispatcher.emit("jira:issue_updated", body, issue)


def issue_created(version: str, issue: SIssue) -> None:
    body = webhooks.issue_event(renderer(version), "jira:issue_created", "issue_created", issue, g.user, [], "0")
    site().dispatcher.emit("jira:issue_created", body, issue)


def deletion(version: str, issue: SIssue) -> dict[str, Any]:
    """The ``jira:issue_deleted`` body, built while the issue is still there (emit it once it is gone)."""
    r = renderer(version)
    body = webhooks._base("jira:issue_deleted", g.user, r)
    body["issue"] = r.webhook_issue(issue)
    return body


def deletion_fallout(version: str, issue: SIssue) -> list[tuple[str, dict[str, Any]]]:
    """What deleting the issue brings with it on Cloud, sent as secondary deliveries after ``jira:issue_deleted``:
    a ``comment_deleted`` for each of its comments (built while the issue is still there)."""
    r = renderer(version)
    if not r.cloud:
        return []
    return [pair for comment_ in issue.comments for pair in webhooks.comment_events(r, "deleted", issue, comment_,
                                                                                     g.user)]


def comment(version: str, action: str, issue: SIssue, comment_: dict[str, Any]) -> None:
    for event, body in webhooks.comment_events(renderer(version), action, issue, comment_, g.user):
        site().dispatcher.emit(event, body, issue)

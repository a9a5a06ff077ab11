"""Jira's admin webhooks (``/rest/webhooks/1.0/webhook``, Cloud and Data Center): list, register, update, delete.

Registering needs a Jira administrator. The JQL filter is sent and read under ``filters.issue-related-events-
section``; the secret is write-only (Jira never shows it), so it cannot be compared with what Jira holds.
A POST whose answer is lost may have made the webhook: the list is read before it is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import NotFound, OutcomeUnknown
from .jira_client import JiraConnector

ADMIN_WEBHOOKS = "/rest/webhooks/1.0/webhook"
FILTER = "issue-related-events-section"


@dataclass(frozen=True)
class Webhook:
    """A registered webhook as Jira shows it (never its secret)."""

    id: str
    self_url: str
    name: str
    url: str
    events: tuple[str, ...]
    jql: str
    enabled: bool
    exclude_body: bool = False


def webhook_from_json(data: dict[str, Any]) -> Webhook:
    self_url = str(data.get("self") or "")
    filters = data.get("filters") if isinstance(data.get("filters"), dict) else {}
    return Webhook(id=self_url.rstrip("/").rsplit("/", 1)[-1], self_url=self_url, name=str(data.get("name") or ""),
                   url=str(data.get("url") or ""), events=tuple(str(e) for e in data.get("events") or ()),
                   jql=str((filters or {}).get(FILTER) or ""), enabled=bool(data.get("enabled", True)),
                   exclude_body=bool(data.get("excludeBody", False)))


@dataclass(frozen=True)
class Wanted:
    """The registration pmokit wants: its receiver's URL, the events it acts on, the portfolio's filter."""

    name: str
    url: str
    events: tuple[str, ...]
    jql: str
    secret: str | None

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "url": self.url, "events": list(self.events),
                                "filters": {FILTER: self.jql}, "excludeBody": False, "enabled": True}
        if self.secret:
            data["secret"] = self.secret
        return data

    def differences(self, hook: Webhook) -> list[str]:
        """What differs in what Jira shows (the secret cannot be seen)."""
        found = []
        if hook.name != self.name:
            found.append("name")
        if set(hook.events) != set(self.events):
            found.append("events")
        if hook.jql.strip() != self.jql.strip():
            found.append("filter")
        if not hook.enabled:
            found.append("enabled")
        if hook.exclude_body:
            found.append("body")
        return found


class JiraWebhooks:
    def __init__(self, jira: JiraConnector):
        self.jira = jira

    def list(self) -> list[Webhook]:
        found = self.jira.get(ADMIN_WEBHOOKS) or []
        return [webhook_from_json(item) for item in found if isinstance(item, dict)]

    def create(self, wanted: Wanted) -> Webhook:
        try:
            made = self.jira.post(ADMIN_WEBHOOKS, wanted.body())
        except OutcomeUnknown:
            # The POST may have made it: look before sending it again.
            for hook in self.list():
                if hook.url == wanted.url and not wanted.differences(hook):
                    return hook
            made = self.jira.post(ADMIN_WEBHOOKS, wanted.body())
        return webhook_from_json(made)

    def update(self, hook: Webhook, wanted: Wanted) -> Webhook:
        return webhook_from_json(self.jira.put(f"{ADMIN_WEBHOOKS}/{hook.id}", wanted.body()))

    def delete(self, hook: Webhook) -> bool:
        """True when it was deleted now, False when it was gone already."""
        try:
            self.jira.request("DELETE", f"{ADMIN_WEBHOOKS}/{hook.id}")
        except NotFound:
            return False
        return True

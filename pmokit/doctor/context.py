"""What the checks share: the configuration, connectors of their own, and the site's answers read once.

The connectors are built here rather than taken from :class:`pmokit.runtime.Runtime`: the runtime keeps the
site's facts in the store (which may be what is broken, and which the doctor must not migrate), and a doctor
reads the site as it is now, not as a cache remembers it. Each Atlassian call is retried for a short while only
(``give_up_after``): a site that does not answer fails its checks quickly instead of holding every one of them.

An answer read once serves every check that needs it; a failure is kept too, so every check that needs it says
why without asking again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from config.models import Settings
from connector import RetryPolicy, Transport
from connector.confluence_client import ConfluenceConnector
from connector.jira_client import JiraConnector, login_of


class Context:
    def __init__(self, settings: Settings, *, give_up_after: float = 20.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings, self.give_up_after, self.clock = settings, give_up_after, clock
        self._answers: dict[str, tuple[bool, Any]] = {}

    # -- connectors -----------------------------------------------------------------------------------
    @functools.cached_property
    def jira(self) -> JiraConnector:
        jira = self.settings.jira
        policy = RetryPolicy(max_elapsed=min(jira.give_up_after_seconds, self.give_up_after))
        return JiraConnector(jira, Transport.create(jira.requests_per_second, policy).adapter(), cache={})

    @functools.cached_property
    def confluence(self) -> ConfluenceConnector:
        wiki = self.settings.confluence
        if wiki is None:
            raise ValueError("the configuration has no 'confluence' section")
        policy = RetryPolicy(max_elapsed=min(wiki.give_up_after_seconds, self.give_up_after))
        return ConfluenceConnector(wiki, Transport.create(None, policy).adapter())

    # -- answers read once -------------------------------------------------------------------------------
    def once(self, key: str, read: Callable[[], Any]) -> Any:
        """``read()``'s answer, or its exception, kept under ``key``."""
        if key not in self._answers:
            try:
                self._answers[key] = (True, read())
            except Exception as exc:
                self._answers[key] = (False, exc)
        ok, value = self._answers[key]
        if not ok:
            raise value
        return value

    def server_info(self) -> dict[str, Any]:
        return dict(self.once("serverInfo", lambda: self.jira.get("serverInfo", api="2")))

    def myself(self) -> dict[str, Any]:
        return dict(self.once("myself", lambda: self.jira.get("myself", api="2")))

    @property
    def account(self) -> str:
        """pmokit's Jira account as people know it: its display name and login."""
        try:
            me = self.myself()
        except Exception:
            return login_of(self.settings.jira)
        name = me.get("displayName") or me.get("name") or me.get("accountId") or "?"
        login = me.get("emailAddress") or me.get("name")
        return f"{name} ({login})" if login and login != name else str(name)

    def project_statuses(self, project: str) -> list[dict[str, Any]]:
        """``project/{key}/statuses``: per issue type of the project, its workflow's statuses."""
        return list(self.once(f"statuses:{project}", lambda: self.jira.get(f"project/{project}/statuses")))

    def search(self, jql: str, fields: list[str], limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` issues (at most 100) matching ``jql``, with ``fields``: Cloud's ``search/jql``, Data
        Center's ``search``."""
        def read() -> list[dict[str, Any]]:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": limit}
            if self.jira.cloud:
                page = self.jira.query("search/jql", body)
            else:
                page = self.jira.query("search", {**body, "startAt": 0}, api="2")
            return list(page.get("issues") or [])

        return list(self.once(f"search:{jql}:{','.join(fields)}:{limit}", read))

    def records(self, project: str) -> list[dict[str, Any]]:
        """The project's records (``portfolio.record_issue_type``), with their status, in key order."""
        kind = self.settings.portfolio.record_issue_type.replace('"', '\\"')
        return self.search(f'project = "{project}" AND issuetype = "{kind}" ORDER BY key ASC', ["status"], 50)

    def sample_issue(self, project: str) -> str | None:
        """An issue of the project to ask what it allows: its first record, else its first issue."""
        found = self.records(project) or self.search(f'project = "{project}" ORDER BY key ASC', ["status"], 1)
        return str(found[0]["key"]) if found else None

    def transitions(self, issue_key: str) -> list[str]:
        """The statuses the transitions offered to pmokit's account on the issue lead to."""
        def read() -> list[str]:
            offered = self.jira.get(f"issue/{issue_key}/transitions").get("transitions") or []
            return [str((t.get("to") or {}).get("name", "")) for t in offered]

        return list(self.once(f"transitions:{issue_key}", read))

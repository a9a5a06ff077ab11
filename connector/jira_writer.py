"""Writing to Jira, idempotently: doing the same thing twice changes nothing the second time.

pmokit keeps one comment per issue and purpose, found again by a marker and updated in place (ADF on Cloud
v3, wiki markup on Data Center); labels are added and removed with ``update`` operations; transitions are
by status name; a created issue carries a key label so a second run finds it instead of creating it again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pmokit.records import Block, RichText, Span

from . import adf
from .errors import Unreachable
from .jira_client import JiraConnector
from .translate import plain_value

CREATED, UPDATED, UNCHANGED, DELETED = "created", "updated", "unchanged", "deleted"


@dataclass(frozen=True)
class WriteResult:
    action: str
    id: str | None = None
    detail: str = ""

    @property
    def changed(self) -> bool:
        return self.action != UNCHANGED


def marker_token(name: str) -> str:
    return f"[pmokit:{name}]"


class JiraWriter:
    def __init__(self, jira: JiraConnector):
        self.jira = jira

    # -- the pmokit comment -----------------------------------------------------------------------------
    def _body(self, text: str, doc: RichText | None = None) -> Any:
        """A comment's body: real ADF on Cloud (from ``doc`` where given), wiki markup on Data Center."""
        if not self.jira.cloud:
            return text
        if doc is None:
            return adf.from_text(text)
        return adf.from_rich(RichText((*doc.blocks, Block("paragraph", (Span(self._marker_of(text)),)))))

    @staticmethod
    def _marker_of(text: str) -> str:
        return text.rstrip().rsplit("\n", 1)[-1]

    def _mine(self, comment: dict[str, Any]) -> bool:
        author = comment.get("author") or {}
        account = self.jira.account
        return bool((account.account_id and author.get("accountId") == account.account_id)
                    or (account.name and author.get("name") == account.name))

    def find_comment(self, key: str, name: str) -> dict[str, Any] | None:
        """pmokit's own comment on ``key`` carrying the marker ``name``, if there is one."""
        token = marker_token(name)
        start = 0
        while True:
            page = self.jira.get(f"issue/{key}/comment", params={"startAt": start, "maxResults": 100})
            comments = page.get("comments") or []
            for comment in comments:
                if self._mine(comment) and token in adf.to_text(comment.get("body")):
                    return comment
            start += len(comments)
            if not comments or start >= int(page.get("total", 0)):
                return None

    def upsert_comment(self, key: str, name: str, text: str, doc: RichText | None = None) -> WriteResult:
        """Create pmokit's comment, or update it in place; nothing when it already says this. ``text`` is the
        comment's wiki form; ``doc`` the same as rich text, written as ADF on Cloud."""
        full = f"{text.rstrip()}\n{marker_token(name)}"
        existing = self.find_comment(key, name)
        if existing is None:
            created = self.jira.post(f"issue/{key}/comment", {"body": self._body(full, doc)})
            return WriteResult(CREATED, str(created.get("id")))
        if _same(existing.get("body"), full):
            return WriteResult(UNCHANGED, str(existing["id"]))
        self.jira.put(f"issue/{key}/comment/{existing['id']}", {"body": self._body(full, doc)})
        return WriteResult(UPDATED, str(existing["id"]))

    def update_comment_if_present(self, key: str, name: str, text: str,
                                  doc: RichText | None = None) -> WriteResult:
        """Update pmokit's comment if it exists; never create one (nothing to say on a compliant issue)."""
        existing = self.find_comment(key, name)
        if existing is None:
            return WriteResult(UNCHANGED)
        full = f"{text.rstrip()}\n{marker_token(name)}"
        if _same(existing.get("body"), full):
            return WriteResult(UNCHANGED, str(existing["id"]))
        self.jira.put(f"issue/{key}/comment/{existing['id']}", {"body": self._body(full, doc)})
        return WriteResult(UPDATED, str(existing["id"]))

    def delete_comment(self, key: str, name: str) -> WriteResult:
        existing = self.find_comment(key, name)
        if existing is None:
            return WriteResult(UNCHANGED)
        self.jira.request("DELETE", f"issue/{key}/comment/{existing['id']}")
        return WriteResult(DELETED, str(existing["id"]))

    # -- labels, fields, transitions ----------------------------------------------------------------------
    def current(self, key: str, fields: str) -> dict[str, Any]:
        return self.jira.get(f"issue/{key}", params={"fields": fields}).get("fields") or {}

    def update_labels(self, key: str, add: tuple[str, ...] | list[str] = (),
                      remove: tuple[str, ...] | list[str] = ()) -> WriteResult:
        labels = set(self.current(key, "labels").get("labels") or [])
        operations = [{"add": label} for label in add if label not in labels]
        operations += [{"remove": label} for label in remove if label in labels]
        if not operations:
            return WriteResult(UNCHANGED)
        self.jira.put(f"issue/{key}", {"update": {"labels": operations}})
        return WriteResult(UPDATED, detail=", ".join(f"{k} {v}" for op in operations for k, v in op.items()))

    def set_field(self, key: str, field_id: str, value: Any) -> WriteResult:
        current = self.current(key, field_id).get(field_id)
        if plain_value(current) == plain_value(value):
            return WriteResult(UNCHANGED)
        self.jira.put(f"issue/{key}", {"fields": {field_id: value}})
        return WriteResult(UPDATED)

    def transition_to(self, key: str, status: str, *, via: Sequence[str] = (),
                      fields: Mapping[str, object] | None = None) -> WriteResult:
        """Move ``key`` to ``status`` through the workflow's transitions, several steps if needed: each step
        takes the transition to ``status`` where one is offered, else to the first status of ``via`` (best first)
        not yet visited. ``fields`` go with the last step. :class:`Unreachable` when no way is offered."""
        start = now = (self.current(key, "status").get("status") or {}).get("name", "")
        if now.casefold() == status.casefold():
            return WriteResult(UNCHANGED, detail=now)
        visited, steps = {now.casefold()}, []
        for _ in range(len(via) + 1):
            transitions = self.jira.get(f"issue/{key}/transitions").get("transitions") or []
            offered = {(t.get("to") or {}).get("name", "").casefold(): t for t in transitions}
            choice = offered.get(status.casefold()) or next(
                (offered[s.casefold()] for s in via if s.casefold() in offered and s.casefold() not in visited), None)
            if choice is None:
                reachable = ", ".join(sorted({(t.get("to") or {}).get("name", "") for t in transitions})) or "none"
                raise Unreachable(f"{key} cannot move from '{now}' to '{status}': reachable statuses are {reachable}")
            target = (choice.get("to") or {}).get("name", "")
            final = target.casefold() == status.casefold()
            body: dict[str, Any] = {"transition": {"id": choice["id"]}}
            if final and fields:
                body["fields"] = dict(fields)
            self.jira.post(f"issue/{key}/transitions", body)
            steps.append(target)
            visited.add(target.casefold())
            now = target
            if final:
                return WriteResult(UPDATED, str(choice["id"]), " → ".join([start, *steps]))
        raise Unreachable(f"{key} cannot move from '{start}' to '{status}' in {len(via) + 1} steps")

    # -- new issues -----------------------------------------------------------------------------------------
    def create_issue(self, project: str, issue_type: str, summary: str, *, idempotency_key: str,
                     description: str = "", fields: dict[str, Any] | None = None,
                     labels: list[str] | None = None) -> WriteResult:
        """Create an issue once: a label derived from ``idempotency_key`` finds it again on the next run."""
        label = "pmokit-" + re.sub(r"[^a-z0-9]+", "-", idempotency_key.lower()).strip("-")
        found = self._search_one(f'project = "{project}" AND labels = "{label}"')
        if found is not None:
            return WriteResult(UNCHANGED, str(found["id"]), str(found.get("key", "")))
        payload: dict[str, Any] = {"project": {"key": project}, "issuetype": {"name": issue_type},
                                   "summary": summary, "labels": [*(labels or []), label], **(fields or {})}
        if description:
            payload["description"] = self._body(description)
        created = self.jira.post("issue", {"fields": payload})
        return WriteResult(CREATED, str(created["id"]), str(created.get("key", "")))

    def _search_one(self, jql: str) -> dict[str, Any] | None:
        if self.jira.cloud:
            page = self.jira.post("search/jql", {"jql": jql, "fields": ["key"], "maxResults": 1})
        else:
            page = self.jira.get("search", params={"jql": jql, "fields": "key", "maxResults": 1}, api="2")
        issues = page.get("issues") or []
        return issues[0] if issues else None


def _same(body: Any, full: str) -> bool:
    """Whether a comment body (ADF or wiki markup) already says ``full`` (the wiki form pmokit writes)."""
    return _normalise(adf.to_wiki(body)) == _normalise(full) or _normalise(adf.to_text(body)) == _normalise(full)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())

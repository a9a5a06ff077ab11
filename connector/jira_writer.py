"""Writing to Jira, idempotently: doing the same thing twice changes nothing the second time.

pmokit keeps one comment per issue and purpose, found again by a marker and updated in place (ADF on Cloud
v3, wiki markup on Data Center); labels are added and removed with ``update`` operations; transitions are
by status name, several steps through the workflow if need be; a created issue carries a key label so a second
run finds it instead of creating it again.

Every write may have been applied even when it failed. The transport sends a write once and raises
:class:`~connector.errors.OutcomeUnknown` when its answer was lost or was a 5xx (``connector.transport``); here
each write then reads what is there before it writes again, a bounded number of times:

- a comment: pmokit's comments with the marker are listed; if one is there now, that is the comment;
- a transition: the status is read; if the issue moved where asked, the path goes on;
- labels and fields: read again, and written only if still not so;
- a new issue: searched for by its key label (a few times: Cloud's search lags behind writes).

Where the caller knows pmokit's comment (its id, from the store: pmokit wrote it), the comment is written by
that id without listing the comments first; a 404 (someone deleted it) falls back to the listing. Where the caller
knows the issue's labels (it has just read the issue), they are not read again before the write.

And wherever the comments are listed for a write, more than one pmokit comment with the same marker (a write
whose answer was lost, another process at the same moment) is cut back to one: the oldest stays, the others are
deleted, and the result's ``detail`` says how many.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pmokit.records import Block, RichText, Span

from . import adf
from .errors import NotFound, OutcomeUnknown, PermissionDenied, Unreachable
from .jira_client import JiraConnector
from .translate import parse_datetime, plain_value
from .transport import RequestKind

log = logging.getLogger(__name__)
CREATED, UPDATED, UNCHANGED, DELETED = "created", "updated", "unchanged", "deleted"
T = TypeVar("T")


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
    """``attempts``: how many times a write whose outcome stays unknown is sent, each after a read found it not
    applied. ``settle_seconds``: the pauses between searches for an issue created with an unknown outcome."""

    def __init__(self, jira: JiraConnector, *, attempts: int = 3,
                 settle_seconds: Sequence[float] = (0.5, 1.0, 2.0, 4.0), sleep: Callable[[float], None] = time.sleep):
        self.jira, self.attempts, self.settle_seconds, self.sleep = jira, attempts, tuple(settle_seconds), sleep

    def _again(self, what: str, write: Callable[[], T], applied: Callable[[], T | None]) -> T:
        """``write()``; after an unknown outcome, ``applied()`` reads whether it was (its result) or not (None),
        and only then is it written again, ``attempts`` times at most."""
        for attempt in range(1, self.attempts + 1):
            try:
                return write()
            except OutcomeUnknown as exc:
                found = applied()
                if found is not None:
                    log.info("%s: %s; read back: it was applied", what, exc)
                    return found
                if attempt == self.attempts:
                    raise
                log.info("%s: %s; read back: not applied, writing again (%d of %d)", what, exc, attempt + 1,
                         self.attempts)
        raise AssertionError("unreachable")

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

    def _own_comments(self, key: str, name: str) -> list[dict[str, Any]]:
        """pmokit's own comments on ``key`` carrying the marker ``name``, oldest first (every page read)."""
        token = marker_token(name)
        found: list[dict[str, Any]] = []
        start = 0
        while True:
            page = self.jira.get(f"issue/{key}/comment", params={"startAt": start, "maxResults": 100})
            comments = page.get("comments") or []
            found.extend(c for c in comments if self._mine(c) and token in adf.to_text(c.get("body")))
            start += len(comments)
            if not comments or start >= int(page.get("total", 0)):
                return sorted(found, key=_age)

    def find_comment(self, key: str, name: str) -> dict[str, Any] | None:
        """pmokit's own comment on ``key`` carrying the marker ``name`` (the oldest, if there are several), if any.
        Only reads: the writes below remove the duplicates."""
        mine = self._own_comments(key, name)
        return mine[0] if mine else None

    def _the_comment(self, key: str, name: str) -> tuple[dict[str, Any] | None, int]:
        """The comment to write to — the oldest of pmokit's with the marker — and how many others were deleted."""
        mine = self._own_comments(key, name)
        for extra in mine[1:]:
            self._delete(key, str(extra["id"]))
        if len(mine) > 1:
            log.info("%s: removed %d duplicate(s) of pmokit's %s comment, kept %s", key, len(mine) - 1,
                     marker_token(name), mine[0]["id"])
        return (mine[0] if mine else None), max(len(mine) - 1, 0)

    def _delete(self, key: str, comment_id: str) -> None:
        # DELETE is idempotent: the transport may send it again. A 404: gone already (deleted by someone, or by
        # a try whose answer was lost).
        with contextlib.suppress(NotFound):
            self.jira.request("DELETE", f"issue/{key}/comment/{comment_id}")

    def _put_comment(self, key: str, existing: dict[str, Any], full: str, action: str, removed: int,
                     doc: RichText | None = None) -> WriteResult:
        if _says(existing.get("body"), full):
            return WriteResult(action, str(existing["id"]), _removed(removed))
        # PUT of the whole body: idempotent, so the transport may send it again.
        self.jira.put(f"issue/{key}/comment/{existing['id']}", {"body": self._body(full, doc)})
        return WriteResult(UPDATED if action == UNCHANGED else action, str(existing["id"]), _removed(removed))

    def _put_known(self, key: str, comment_id: str, full: str, doc: RichText | None) -> WriteResult | None:
        """Write pmokit's comment ``comment_id`` without reading it first; None when it is gone (a 404)."""
        try:
            # PUT of the whole body: idempotent, so the transport may send it again.
            self.jira.put(f"issue/{key}/comment/{comment_id}", {"body": self._body(full, doc)})
        except NotFound:
            log.info("%s: pmokit's comment %s is gone (deleted in Jira): looking for it", key, comment_id)
            return None
        return WriteResult(UPDATED, comment_id)

    def upsert_comment(self, key: str, name: str, text: str, doc: RichText | None = None, *,
                       comment_id: str | None = None) -> WriteResult:
        """Create pmokit's comment, or update it in place; nothing when it already says this. ``text`` is the
        comment's wiki form; ``doc`` the same as rich text, written as ADF on Cloud. ``comment_id``: pmokit's
        comment as the caller knows it, written without a read (the caller knows it says something else)."""
        full = f"{text.rstrip()}\n{marker_token(name)}"
        if comment_id:
            written = self._put_known(key, comment_id, full, doc)
            if written is not None:
                return written
        existing, removed = self._the_comment(key, name)
        if existing is not None:
            return self._put_comment(key, existing, full, UNCHANGED, removed, doc)

        def post() -> WriteResult:
            created = self.jira.post(f"issue/{key}/comment", {"body": self._body(full, doc)})
            return WriteResult(CREATED, str(created.get("id")), _removed(removed))

        def posted() -> WriteResult | None:
            found, extra = self._the_comment(key, name)
            return None if found is None else self._put_comment(key, found, full, CREATED, removed + extra, doc)

        return self._again(f"comment on {key}", post, posted)

    def update_comment_if_present(self, key: str, name: str, text: str, doc: RichText | None = None, *,
                                  comment_id: str | None = None) -> WriteResult:
        """Update pmokit's comment if it exists; never create one (nothing to say on a compliant issue).
        ``comment_id``: as for :meth:`upsert_comment`; when that comment is gone, there is none to update."""
        if comment_id:
            written = self._put_known(key, comment_id, f"{text.rstrip()}\n{marker_token(name)}", doc)
            return written if written is not None else WriteResult(UNCHANGED, detail="the comment was deleted")
        existing, removed = self._the_comment(key, name)
        if existing is None:
            return WriteResult(UNCHANGED)
        return self._put_comment(key, existing, f"{text.rstrip()}\n{marker_token(name)}", UNCHANGED, removed, doc)

    def delete_comment(self, key: str, name: str, *, comment_id: str | None = None) -> WriteResult:
        """Delete pmokit's comment with the marker ``name`` — and any duplicates of it; ``comment_id``: the one
        the caller knows, deleted without listing the comments (gone already is as good)."""
        if comment_id:
            self._delete(key, comment_id)
            return WriteResult(DELETED, comment_id)
        mine = self._own_comments(key, name)
        if not mine:
            return WriteResult(UNCHANGED)
        for comment in mine:
            self._delete(key, str(comment["id"]))
        return WriteResult(DELETED, str(mine[0]["id"]), _removed(len(mine) - 1))

    # -- labels, fields -----------------------------------------------------------------------------------
    def current(self, key: str, fields: str) -> dict[str, Any]:
        return self.jira.get(f"issue/{key}", params={"fields": fields}).get("fields") or {}

    def update_labels(self, key: str, add: tuple[str, ...] | list[str] = (),
                      remove: tuple[str, ...] | list[str] = (), *,
                      labels: Collection[str] | None = None) -> WriteResult:
        """Add and remove labels, only those not already so; after an unknown outcome, read again first.
        ``labels``: the issue's labels as the caller has just read them (else they are read here)."""

        def operations(now: Collection[str] | None = None) -> list[dict[str, str]]:
            present = set(self.current(key, "labels").get("labels") or [] if now is None else now)
            return ([{"add": label} for label in add if label not in present]
                    + [{"remove": label} for label in remove if label in present])

        pending = operations(labels)
        if not pending:
            return WriteResult(UNCHANGED)
        detail = ", ".join(f"{k} {v}" for op in pending for k, v in op.items())

        def put() -> WriteResult:
            # A write, not idempotent for this purpose: someone may change the labels in between.
            self.jira.put(f"issue/{key}", {"update": {"labels": pending}}, kind=RequestKind.WRITE)
            return WriteResult(UPDATED, detail=detail)

        def applied() -> WriteResult | None:
            nonlocal pending
            pending = operations()
            return WriteResult(UPDATED, detail=detail) if not pending else None

        return self._again(f"labels of {key}", put, applied)

    def set_field(self, key: str, field_id: str, value: Any) -> WriteResult:
        """Set a field, only when its value differs; after an unknown outcome, read again first."""

        def same() -> bool:
            return bool(plain_value(self.current(key, field_id).get(field_id)) == plain_value(value))

        if same():
            return WriteResult(UNCHANGED)

        def put() -> WriteResult:
            self.jira.put(f"issue/{key}", {"fields": {field_id: value}}, kind=RequestKind.WRITE)
            return WriteResult(UPDATED)

        return self._again(f"{field_id} of {key}", put, lambda: WriteResult(UPDATED) if same() else None)

    # -- transitions ----------------------------------------------------------------------------------------
    def status(self, key: str) -> str:
        return str((self.current(key, "status").get("status") or {}).get("name", ""))

    def transitions(self, key: str) -> list[dict[str, Any]]:
        return list(self.jira.get(f"issue/{key}/transitions").get("transitions") or [])

    def transition_to(self, key: str, status: str, *, via: Sequence[str] = (),
                      fields: Mapping[str, object] | None = None) -> WriteResult:
        """Move ``key`` to the status named ``status`` through the workflow's available transitions, several
        steps if needed: at each step the transition to ``status`` if it is offered, else the one to the first
        status of ``via`` (the statuses allowed on the way, best first) that is offered and not yet visited;
        at most ``len(via) + 1`` steps. ``fields`` go with the final transition only. Already there: nothing.
        No path: :class:`~connector.errors.Unreachable`, which says where the issue is and what it can reach."""
        now = self.status(key)
        if _same(now, status):
            return WriteResult(UNCHANGED, detail=now)
        path, last_id = [now], ""
        for _ in range(len(via) + 1):
            offered = self.transitions(key)
            by_target = {_fold(_target(t)): t for t in reversed(offered)}  # the first one offered wins
            choice = by_target.get(_fold(status))
            final = choice is not None
            if choice is None:
                visited = {_fold(s) for s in path}
                choice = next((by_target[_fold(s)] for s in via if _fold(s) in by_target
                               and _fold(s) not in visited), None)
            if choice is None:
                raise _unreachable(key, now, status, path, offered)
            body: dict[str, Any] = {"transition": {"id": choice["id"]}}
            if final and fields:
                body["fields"] = dict(fields)
            now, last_id = self._take(key, body, before=now, target=_target(choice)), str(choice["id"])
            path.append(now)
            if _same(now, status):
                return WriteResult(UPDATED, last_id, " → ".join(path))
        raise _unreachable(key, now, status, path, self.transitions(key))

    def _take(self, key: str, body: dict[str, Any], *, before: str, target: str) -> str:
        """One transition; the status the issue is in afterwards. After an unknown outcome the status is read:
        moved (where asked, or elsewhere by someone else) is the answer; still where it was, it is sent again."""

        def post() -> str:
            self.jira.post(f"issue/{key}/transitions", body)
            return target

        def moved() -> str | None:
            now = self.status(key)
            return None if _same(now, before) else now

        return self._again(f"transition of {key} to {target}", post, moved)

    # -- new issues -----------------------------------------------------------------------------------------
    def create_issue(self, project: str, issue_type: str, summary: str, *, idempotency_key: str,
                     description: str = "", fields: dict[str, Any] | None = None,
                     labels: list[str] | None = None) -> WriteResult:
        """Create an issue once per ``idempotency_key``.

        What made it is kept on Jira's own records, not found by search (Cloud's search may not show an issue
        made a moment ago): a project property per key names the issue, and the issue carries the key as a
        property of its own. A label derived from the key is set too, for people and for issues made before
        the project property; it is what a create whose outcome is unknown is looked for by (read back before
        the create is sent again)."""
        label = "pmokit-" + re.sub(r"[^a-z0-9]+", "-", idempotency_key.lower()).strip("-")
        jql = f'project = "{project}" AND labels = "{label}"'
        found = self._made_before(project, idempotency_key, jql)
        if found is not None:
            return WriteResult(UNCHANGED, str(found["id"]), str(found.get("key", "")))
        payload: dict[str, Any] = {"project": {"key": project}, "issuetype": {"name": issue_type},
                                   "summary": summary, "labels": [*(labels or []), label], **(fields or {})}
        if description:
            payload["description"] = self._body(description)
        properties = [{"key": CREATED_PROPERTY, "value": {"idempotencyKey": idempotency_key}}]

        def create() -> dict[str, Any]:
            return dict(self.jira.post("issue", {"fields": payload, "properties": properties}))

        def created() -> dict[str, Any] | None:
            # Cloud's search is eventually consistent: a just-created issue may be missing for a moment.
            for pause in (0.0, *self.settle_seconds):
                if pause:
                    self.sleep(pause)
                hit = self._search_one(jql)
                if hit is not None:
                    return hit
            return None

        made = self._again(f"new {issue_type} in {project}", create, created)
        self._keep_in_ledger(project, idempotency_key, str(made["id"]))
        return WriteResult(CREATED, str(made["id"]), str(made.get("key", "")))

    def _keep_in_ledger(self, project: str, idempotency_key: str, issue_id: str) -> None:
        """The project property naming the issue made. It takes Administer Projects, which a bot may lack: the
        issue is made all the same and is found again by its label (a search, which on Cloud may lag)."""
        try:  # setting a property again sets the same value: safe to send twice
            self.jira.put(f"project/{project}/properties/{_ledger_key(idempotency_key)}",
                          {"idempotencyKey": idempotency_key, "issueId": issue_id}, kind=RequestKind.IDEMPOTENT)
        except PermissionDenied:
            log.warning("made issue %s for %s, but could not note it on project %s (that takes the Administer "
                        "Projects permission): it is found again by its label, which Cloud's search may show late",
                        issue_id, idempotency_key, project)

    def _made_before(self, project: str, idempotency_key: str, jql: str) -> dict[str, Any] | None:
        """The issue an earlier create of this key made, if it is still there."""
        try:
            entry = self.jira.get(f"project/{project}/properties/{_ledger_key(idempotency_key)}")
        except NotFound:
            entry = None
        value = (entry or {}).get("value") or {}
        if value.get("idempotencyKey") == idempotency_key and value.get("issueId"):
            try:
                return dict(self.jira.get(f"issue/{value['issueId']}", params={"fields": "key"}))
            except NotFound:
                log.info("the issue made for %s (%s) is gone: making it again", idempotency_key, value["issueId"])
                return None
        return self._search_one(jql)  # made before the project property was kept, or its write failed

    def _search_one(self, jql: str) -> dict[str, Any] | None:
        if self.jira.cloud:
            page = self.jira.query("search/jql", {"jql": jql, "fields": ["key"], "maxResults": 1})
        else:
            page = self.jira.get("search", params={"jql": jql, "fields": "key", "maxResults": 1}, api="2")
        issues = page.get("issues") or []
        return issues[0] if issues else None


CREATED_PROPERTY = "pmokit.created"


def _ledger_key(idempotency_key: str) -> str:
    """The project property that names the issue made for ``idempotency_key`` (a property key is at most 255
    characters: a digest keeps any key short)."""
    return f"{CREATED_PROPERTY}.{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:32]}"


def _says(body: Any, full: str) -> bool:
    """Whether a comment body (ADF or wiki markup) already says ``full`` (the wiki form pmokit writes)."""
    return _normalise(adf.to_wiki(body)) == _normalise(full) or _normalise(adf.to_text(body)) == _normalise(full)


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def _removed(count: int) -> str:
    return f"removed {count} duplicate comment{'s' if count != 1 else ''}" if count else ""


def _age(comment: dict[str, Any]) -> tuple[datetime, int, str]:
    """Oldest first: by the instant it was created, then by id (Jira's comment ids grow)."""
    created = parse_datetime(comment.get("created")) or datetime.max.replace(tzinfo=UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    ident = str(comment.get("id", ""))
    return created, int(ident) if ident.isdigit() else sys.maxsize, ident


def _fold(name: str) -> str:
    return name.casefold()


def _same(a: str, b: str) -> bool:
    return _fold(a) == _fold(b)


def _target(transition: dict[str, Any]) -> str:
    return str((transition.get("to") or {}).get("name", ""))


def _unreachable(key: str, now: str, status: str, path: list[str], offered: list[dict[str, Any]]) -> Unreachable:
    reachable = tuple(sorted({_target(t) for t in offered} - {""}))
    way = f" (it moved {' → '.join(path)} on the way)" if len(path) > 1 else ""
    return Unreachable(f"{key} cannot move from '{now}' to '{status}'{way}: reachable statuses are "
                       f"{', '.join(reachable) or 'none'}", key=key, at=now, target=status, reachable=reachable)

"""Sync jobs: full, incremental and reconcile, from Jira into the store, never skipping a change.

The cursor moves only after the data it covers is committed, so a crash or a failure at any point means
the next run reads the same changes again (and de-duplicates them on ``(id, updated)``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from config.models import Settings
from connector.jira_client import JiraConnector
from connector.jira_reader import FetchedIssue, HistoryMark, JiraReader, KnownHistories, history_mark, mark_from_text
from connector.storable import undecorated
from connector.translate import parse_datetime
from connector.transport import Accounting
from connector.vocabulary import resolve_fields
from pmokit.runtime import Runtime
from pmokit.store import issues as store
from pmokit.store.times import utc

from .rows import IssueRows, issue_rows

log = logging.getLogger(__name__)

SYSTEM_FIELDS = ["summary", "issuetype", "project", "status", "priority", "assignee", "reporter", "created",
                 "updated", "duedate", "resolutiondate", "labels", "components", "fixVersions", "description",
                 "parent", "attachment", "issuelinks"]
Progress = Callable[[int, int | None], None]  # (issues done, issues expected or None)


@dataclass
class SyncSummary:
    kind: str
    issues: int = 0
    histories: int = 0
    deleted: int = 0
    unchanged: int = 0
    requests: int = 0
    throttled: int = 0
    seconds: float = 0.0
    scope: str = ""
    started: float = field(default=0.0, repr=False)
    before: dict[str, float] = field(default_factory=dict, repr=False)  # transport accounting at the start

    def line(self) -> str:
        return (f"{self.kind} sync of {self.scope}: {self.issues} issues, {self.histories} histories, "
                f"{self.deleted} removed, {self.requests} requests, {self.throttled} 429s, {self.seconds:.1f}s")


def _issue_type(issue: FetchedIssue) -> str:
    return ((issue.raw.get("fields") or {}).get("issuetype") or {}).get("name", "")


def _project_key(issue: FetchedIssue) -> str:
    return str(((issue.raw.get("fields") or {}).get("project") or {}).get("key") or "")


def _links_changed(issue: FetchedIssue, seen: HistoryMark | None) -> bool:
    """Jira records remote (web) link changes in the history: only then are the links read again."""
    return any(item.get("field") == "RemoteIssueLink" for history in issue.histories
               if seen is None or history_mark(history) > seen for item in history.get("items") or [])


class _StoredUpdated(Mapping[str, "datetime | None"]):
    """``updated`` of stored issues, read as asked (Data Center: ids are not known before the fetch)."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def __getitem__(self, issue_id: str) -> datetime | None:
        with self.sessions() as session:
            found = store.stored_updated(session, [issue_id])
        if issue_id not in found:
            raise KeyError(issue_id)
        return found[issue_id]

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class Syncer:
    def __init__(self, settings: Settings, jira: JiraConnector, sessions: sessionmaker[Session],
                 accounting: Accounting, *, overlap: timedelta = timedelta(minutes=2),
                 progress: Progress | None = None, batch: int = 1000):
        self.settings, self.jira, self.sessions, self.accounting = settings, jira, sessions, accounting
        self.reader = JiraReader(jira, settings.jira.reads_in_flight)
        self.overlap, self.progress, self.batch = overlap, progress, batch
        self._field_ids: list[str] | None = None

    @classmethod
    def of(cls, runtime: Runtime, *, overlap: timedelta = timedelta(minutes=2), progress: Progress | None = None,
           batch: int = 1000) -> Syncer:
        """The one way to make a syncer: the runtime's settings, Jira connector, store and request accounting."""
        return cls(runtime.settings, runtime.jira, runtime.sessions, runtime.jira_transport.accounting,
                   overlap=overlap, progress=progress, batch=batch)

    # -- scope ------------------------------------------------------------------------------------------
    def projects(self, only: Sequence[str] | None = None) -> list[str]:
        keys = self.settings.portfolio.project_keys
        if only:
            unknown = [k for k in only if k.upper() not in keys]
            if unknown:
                raise ValueError(f"not in the portfolio: {', '.join(unknown)} (portfolio: {', '.join(keys)})")
            keys = [k for k in keys if k in {o.upper() for o in only}]
        return keys

    @staticmethod
    def scope_key(projects: Sequence[str]) -> str:
        return "projects:" + ",".join(sorted(projects))

    @staticmethod
    def scope_jql(projects: Sequence[str]) -> str:
        return f"project in ({', '.join(projects)})"

    def field_ids(self) -> list[str]:
        if self._field_ids is None:
            custom = resolve_fields(self.settings.portfolio, self.jira.fields).values()
            self._field_ids = list(dict.fromkeys([*SYSTEM_FIELDS, *custom]))
        return self._field_ids

    # -- jobs -------------------------------------------------------------------------------------------
    def full(self, only: Sequence[str] | None = None) -> SyncSummary:
        projects = self.projects(only)
        summary = self._start("full", projects)
        jql = self.scope_jql(projects)
        seen: set[str] = set()
        if self.jira.cloud:
            ids = self.reader.ids(jql)
            newest = self._save(self.reader.fetch("", self.field_ids(), None, self.batch, ids=ids), summary,
                                len(ids), seen=seen)
        else:
            # Data Center: one pass of search pages carries fields and inline changelogs.
            newest = self._save(self.reader.fetch(jql, self.field_ids(), None, self.batch), summary, None, seen=seen)
        with self.sessions() as session:
            gone = store.live_ids(session, projects) - seen
        gone -= self.reader.still_there(gone, projects)  # not found by a lagging search is not gone
        with self.sessions.begin() as session:
            summary.deleted = store.mark_deleted(session, gone)
            store.set_cursor(session, summary.scope, last_updated=newest, full=True, reconciled=True)
        return self._finish(summary)

    def incremental(self, only: Sequence[str] | None = None) -> SyncSummary:
        projects = self.projects(only)
        scope = self.scope_key(projects)
        with self.sessions() as session:
            cursor = store.get_cursor(session, scope)
            since = utc(cursor.last_updated) if cursor and cursor.last_updated else None
        if since is None:
            log.info("no cursor for %s yet: running a full sync", scope)
            return self.full(only)
        summary = self._start("incremental", projects)
        window = self.jql_minute(since - self.overlap)
        jql = f'{self.scope_jql(projects)} AND updated >= "{window}" ORDER BY updated ASC'
        if self.jira.cloud:
            # One request when the window holds at most a page: the ids with their `updated`; only the issues
            # whose `updated` the store does not have are read (the overlap re-reads nothing unchanged).
            updated = self.reader.updated_page(jql)
            ids = list(updated) if updated is not None else self.reader.ids(jql)
            if not ids:
                return self._finish(summary)
            with self.sessions() as session:
                stored = store.stored_updated(session, ids)
            if updated is not None:
                unchanged = [i for i in ids if stored.get(i) is not None
                             and stored.get(i) == parse_datetime(updated[i])]
                summary.unchanged += len(unchanged)
                ids = [i for i in ids if i not in set(unchanged)]
                if not ids:
                    return self._finish(summary)
            with self.sessions() as session:
                known = store.changelog_marks(session, ids)
            lookup = lambda i: mark_from_text(known.get(i))  # noqa: E731
            batches = self.reader.fetch("", self.field_ids(), lookup, self.batch, ids=ids)
            newest = self._save(batches, summary, len(ids), stored=stored, known=lookup)
        else:
            batches = self.reader.fetch(jql, self.field_ids(), self._known_from_store, self.batch)
            newest = self._save(batches, summary, None, stored=_StoredUpdated(self.sessions),
                                known=self._known_from_store)
        with self.sessions.begin() as session:
            store.set_cursor(session, scope, last_updated=newest)
        return self._finish(summary)

    def reconcile(self, only: Sequence[str] | None = None) -> SyncSummary:
        """Compare the set of ids: mark issues gone from Jira (or moved out of the portfolio), fetch missed ones."""
        projects = self.projects(only)
        summary = self._start("reconcile", projects)
        ids = set(self.reader.ids(self.scope_jql(projects)))
        with self.sessions() as session:
            stored = store.live_ids(session, projects)
        missing = sorted(ids - stored, key=int)
        if missing:
            self._save(self.reader.fetch("", self.field_ids(), None, self.batch, ids=missing), summary, len(missing))
        gone = (stored - ids) - self.reader.still_there(stored - ids, projects)
        with self.sessions.begin() as session:
            summary.deleted = store.mark_deleted(session, gone)
            store.set_cursor(session, summary.scope, reconciled=True)
        return self._finish(summary)

    def refresh(self, ids: Sequence[str]) -> SyncSummary:
        """Re-read these issues now (webhooks named them; events may be late or out of order): current fields,
        complete changelog, and for records their links and comments. An issue Jira no longer returns for the
        portfolio (deleted, moved out) is marked removed."""
        projects = self.projects()
        summary = self._start("refresh", projects)
        wanted = sorted({str(i) for i in ids}, key=int)
        if not wanted:
            return self._finish(summary)
        with self.sessions() as session:
            known = store.changelog_marks(session, wanted)
        lookup = lambda i: mark_from_text(known.get(i))  # noqa: E731
        portfolio = set(projects)
        seen: set[str] = set()
        batches = ([i for i in batch if _project_key(i) in portfolio]
                   for batch in self.reader.fetch("", self.field_ids(), lookup, self.batch, ids=wanted))
        self._save(batches, summary, len(wanted), seen=seen, known=lookup)
        with self.sessions.begin() as session:
            summary.deleted = store.mark_deleted(session, set(wanted) - seen)
        return self._finish(summary)

    def forget(self, issue_id: str) -> None:
        """A ``jira:issue_deleted`` event: mark the issue removed at once."""
        with self.sessions.begin() as session:
            store.mark_deleted(session, [str(issue_id)])

    # -- helpers ----------------------------------------------------------------------------------------
    def jql_minute(self, moment: datetime) -> str:
        """A JQL date: minutes, in the time zone of the account that searches."""
        zone = ZoneInfo(self.jira.account.time_zone or "UTC")
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def _start(self, kind: str, projects: Sequence[str]) -> SyncSummary:
        return SyncSummary(kind, scope=self.scope_key(projects), started=time.monotonic(),
                           before=self.accounting.snapshot())

    def _finish(self, summary: SyncSummary) -> SyncSummary:
        after = self.accounting.snapshot()
        summary.requests = int(after["requests"] - summary.before["requests"])
        summary.throttled = int(after["throttled"] - summary.before["throttled"])
        summary.seconds = time.monotonic() - summary.started
        log.info(summary.line())
        return summary

    def _known_from_store(self, issue_id: str) -> HistoryMark | None:
        with self.sessions() as session:
            return mark_from_text(store.changelog_marks(session, [issue_id])[issue_id])

    def _write(self, rows: IssueRows) -> None:
        with self.sessions.begin() as session:
            store.save_issues(session, rows.snapshots, rows.changelog, rows.whole)

    def _save(self, batches: Iterator[list[FetchedIssue]], summary: SyncSummary, expected: int | None,
              stored: Mapping[str, datetime | None] | None = None, seen: set[str] | None = None,
              known: KnownHistories | None = None) -> datetime | None:
        """Store each batch in its own transaction; the newest ``updated`` seen, for the cursor. (The next
        batch is being read meanwhile: the reader keeps its reads in flight. A thread of its own for the writes
        measured slower, and twice the peak memory, on 2 cores: benchmarks/sync.py --replay.)"""
        known_marks: KnownHistories = known or (lambda issue_id: None)
        newest: datetime | None = None
        done = 0
        record_type = self.settings.portfolio.record_issue_type
        records: list[str] = []  # project records that changed: their comments carry the gate decisions
        for batch in batches:
            changed: list[FetchedIssue] = []
            for issue in batch:
                if seen is not None:
                    seen.add(issue.id)
                updated = parse_datetime(issue.updated)
                if updated and (newest is None or updated > newest):
                    newest = updated
                # De-duplicate on (id, updated): the overlap re-reads what the last run already stored.
                if stored is not None and stored.get(issue.id) == updated and updated is not None:
                    summary.unchanged += 1
                    continue
                changed.append(issue)
            # Project records carry their documents as remote links, which bulk reads do not include: read
            # them on a full sync, for a record new to the store, or when its history shows a link change.
            linked = {i.raw["key"]: i.id for i in changed
                      if _issue_type(i) == record_type and (stored is None or i.id not in stored
                                                            or _links_changed(i, known_marks(i.id)))}
            links = {linked[key]: found for key, found in self.reader.remote_links_of(linked).items()}
            records.extend(i.id for i in changed if _issue_type(i) == record_type)
            rows = issue_rows(changed, links, datetime.now(UTC))
            self._write(rows)
            summary.histories += rows.histories
            summary.issues += len(changed)
            done += len(batch)
            if self.progress:
                self.progress(done, expected)
        if records:
            # Read together at the end: one request per 100 records, whatever the batches.
            comments = self.reader.comments(records)
            with self.sessions.begin() as session:
                store.set_comments(session, {k: undecorated(v) for k, v in comments.items()})
        if newest is None:
            return None
        # A timestamp from the future (a skewed clock, bad data) must not carry the cursor past today.
        return min(newest.astimezone(UTC), datetime.now(UTC))

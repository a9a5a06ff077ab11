"""The issue snapshot, changelogs and sync cursors in the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from .engine import load_json
from .tables import ChangelogItem, IssueSnapshot, SyncCursor
from .times import utc
from .upsert import upsert

BATCH = 500


def _now() -> datetime:
    return datetime.now(UTC)


# A changelog row: the columns of ChangelogItem in this order (created: a datetime).
CHANGELOG_ROW = ("issue_id", "history_id", "item_index", "created", "author_id", "field", "field_id",
                 "from_value", "from_string", "to_value", "to_string")
ChangelogRow = tuple[str, str, int, datetime, str | None, str, str | None, str | None, str | None, str | None,
                     str | None]


def _sqlite_moment(value: datetime) -> str:
    """A moment handed to SQLite's driver directly (the changelog's bulk insert), written as UtcDateTime and
    SQLAlchemy's SQLite DateTime write it: UTC, "YYYY-MM-DD HH:MM:SS.ffffff", no offset. SQLAlchemy's own binds
    are text already, so this changes nothing else."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


sqlite3.register_adapter(datetime, _sqlite_moment)
_CHANGELOG_INSERT = (f"INSERT INTO changelog_item ({', '.join(CHANGELOG_ROW)}) "
                     f"VALUES ({', '.join('?' for _ in CHANGELOG_ROW)}) "
                     "ON CONFLICT (issue_id, history_id, item_index) DO NOTHING")


def save_issues(session: Session, snapshots: Sequence[dict[str, Any]], changelog: Sequence[ChangelogRow],
                whole: Sequence[str] = ()) -> None:
    """Store issue snapshot rows (columns as in :mod:`.tables`) and changelog rows (:data:`CHANGELOG_ROW`). A
    snapshot row without ``remote_links`` (or ``changelog_mark``) keeps the stored one; the stored changelog of
    the issues in ``whole`` is replaced."""
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in snapshots:  # rows without remote links or a changelog mark keep the stored ones
        by_columns.setdefault(frozenset(row), []).append(row)
    for rows in by_columns.values():
        upsert(session, IssueSnapshot.__table__, rows, ["id"])
    for start in range(0, len(whole), BATCH):
        session.execute(delete(ChangelogItem).where(ChangelogItem.issue_id.in_(whole[start:start + BATCH])))
    if not changelog:
        return
    if session.get_bind().dialect.name == "sqlite":
        # Straight to the driver's executemany: a full sync writes millions of rows, and SQLAlchemy's per-value
        # processing of each was a third of the time the store took. Their moments go as UtcDateTime writes
        # them (_sqlite_moment; tests/test_store.py reads them back through the ORM).
        session.connection().exec_driver_sql(_CHANGELOG_INSERT, list(changelog))
        return
    rows = [dict(zip(CHANGELOG_ROW, row, strict=True)) for row in changelog]
    for start in range(0, len(rows), 5000):
        upsert(session, ChangelogItem.__table__, rows[start:start + 5000],
               ["issue_id", "history_id", "item_index"], update=False)


def set_comments(session: Session, comments: dict[str, dict[str, Any]]) -> None:
    """Keep each issue's ``comment`` field with its snapshot (project records: the gate decisions)."""
    now = _now()
    for row in session.scalars(select(IssueSnapshot).where(IssueSnapshot.id.in_(list(comments)))):
        row.fields = {**(row.fields or {}), "comment": comments[row.id]}
        row.synced_at = now  # readers that follow the store by synced_at see the new comments


def apply_labels(session: Session, changes: dict[str, tuple[set[str], set[str]]]) -> None:
    """What pmokit's own label writes did, by issue key: (added, removed). The store learns of pmokit's writes
    at once (the sync would only in its next run): a worker does not plan again what it has done."""
    now = _now()
    keys = list(changes)
    for start in range(0, len(keys), BATCH):
        rows = session.scalars(select(IssueSnapshot).where(IssueSnapshot.key.in_(keys[start:start + BATCH]),
                                                           IssueSnapshot.deleted.is_(False)))
        for row in rows:
            added, removed = changes[row.key]
            labels = [label for label in (row.fields or {}).get("labels") or [] if label not in removed]
            labels += sorted(added - set(labels))
            row.fields = {**(row.fields or {}), "labels": labels}
            row.synced_at = now  # readers that follow the store by synced_at see the new labels


def changelog_marks(session: Session, issue_ids: Sequence[str]) -> dict[str, str | None]:
    """Issue id -> the newest changelog history the store has seen of it (``IssueSnapshot.changelog_mark``)."""
    out: dict[str, str | None] = dict.fromkeys(issue_ids)
    for start in range(0, len(issue_ids), BATCH):
        chunk = issue_ids[start:start + BATCH]
        for issue_id, mark in session.execute(select(IssueSnapshot.id, IssueSnapshot.changelog_mark)
                                              .where(IssueSnapshot.id.in_(chunk))):
            out[issue_id] = mark
    return out


def stored_updated(session: Session, issue_ids: Sequence[str]) -> dict[str, datetime | None]:
    out: dict[str, datetime | None] = {}
    for start in range(0, len(issue_ids), BATCH):
        chunk = issue_ids[start:start + BATCH]
        for issue_id, updated, deleted in session.execute(
                select(IssueSnapshot.id, IssueSnapshot.updated, IssueSnapshot.deleted)
                .where(IssueSnapshot.id.in_(chunk))):
            if not deleted:
                out[issue_id] = utc(updated) if updated else None
    return out


def live_ids(session: Session, project_keys: Sequence[str] | None = None) -> set[str]:
    query = select(IssueSnapshot.id).where(IssueSnapshot.deleted.is_(False))
    if project_keys:
        query = query.where(IssueSnapshot.project_key.in_(list(project_keys)))
    return set(session.scalars(query))


def keys_of_type(session: Session, issue_type: str) -> list[str]:
    """The keys of the live issues of one type (the project records, with epics as the unit)."""
    query = select(IssueSnapshot.key).where(IssueSnapshot.issue_type == issue_type,
                                            IssueSnapshot.deleted.is_(False))
    return sorted(session.scalars(query))


def mark_deleted(session: Session, issue_ids: Iterable[str]) -> int:
    ids = list(issue_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(update(IssueSnapshot).where(IssueSnapshot.id.in_(ids[start:start + BATCH]))
                        .values(deleted=True, synced_at=_now()))
    return len(ids)


def live_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IssueSnapshot)
                              .where(IssueSnapshot.deleted.is_(False))) or 0)


def counts(session: Session) -> tuple[int, int]:
    """(live issues, changelog histories) in the store."""
    issues = session.scalar(select(func.count()).select_from(IssueSnapshot).where(IssueSnapshot.deleted.is_(False)))
    histories = session.scalar(select(func.count()).select_from(
        select(ChangelogItem.issue_id, ChangelogItem.history_id).distinct().subquery()))
    return int(issues or 0), int(histories or 0)


def history_count_by_issue(session: Session) -> dict[str, int]:
    pairs = select(ChangelogItem.issue_id, ChangelogItem.history_id).distinct().subquery()
    return {issue_id: n for issue_id, n in session.execute(
        select(pairs.c.issue_id, func.count()).group_by(pairs.c.issue_id))}


# -- cursors -----------------------------------------------------------------------------------------------
def get_cursor(session: Session, scope: str) -> SyncCursor | None:
    return session.get(SyncCursor, scope)


def set_cursor(session: Session, scope: str, *, last_updated: datetime | None = None, full: bool = False,
               reconciled: bool = False) -> None:
    cursor = session.get(SyncCursor, scope) or SyncCursor(scope=scope, updated_at=_now())
    if last_updated is not None:
        previous = utc(cursor.last_updated) if cursor.last_updated else None
        cursor.last_updated = max(last_updated, previous) if previous else last_updated
    if full:
        cursor.last_full_sync = _now()
    if reconciled:
        cursor.last_reconcile = _now()
    cursor.updated_at = _now()
    session.add(cursor)


# -- reading the snapshot back ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredIssue:
    id: str
    key: str
    fields: dict[str, Any]
    remote_links: list[Any]
    deleted: bool = False
    synced_at: datetime | None = None

    @property
    def comments(self) -> list[dict[str, Any]]:
        """The issue's comments as Jira sent them (kept with project records: the gate decisions)."""
        return list(((self.fields or {}).get("comment") or {}).get("comments") or ())


def stored_issues(session: Session, project_keys: Sequence[str] | None = None) -> Iterator[StoredIssue]:
    """Every live issue (of these projects), read as it is used: a caller that translates each and lets its
    fields go never holds 100,000 decoded field sets at once."""
    query = select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links) \
        .where(IssueSnapshot.deleted.is_(False))
    if project_keys:
        query = query.where(IssueSnapshot.project_key.in_(list(project_keys)))
    yield from _each(session, query)


def _each(session: Session, query: Any) -> Iterator[StoredIssue]:
    """The rows of ``query`` (id, key, fields, remote_links) as they are read."""
    if session.get_bind().dialect.name == "sqlite":
        yield from _sqlite_each(session, query)
        return
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or [])


def _sqlite_each(session: Session, query: Any) -> Iterator[StoredIssue]:
    # The driver's own cursor, the JSON decoded as the store's JSON columns are (pmokit.store.engine): at
    # 100,000 issues SQLAlchemy's result rows cost a check more than decoding the fields did.
    compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    driver = session.connection().connection.driver_connection
    assert driver is not None
    cursor = driver.execute(str(compiled), parameters)
    while rows := cursor.fetchmany(1000):
        for issue_id, key, fields, links in rows:
            yield StoredIssue(issue_id, key, _json(fields) or {}, _json(links) or [])


def _json(text: str | bytes | None) -> Any:
    return None if text is None else load_json(text)


def stored_issues_by_key(session: Session, keys: Sequence[str]) -> list[StoredIssue]:
    """These issues, by key, if live."""
    rows: list[Any] = []
    wanted = list(keys)
    for start in range(0, len(wanted), BATCH):
        rows.extend(session.execute(
            select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links)
            .where(IssueSnapshot.key.in_(wanted[start:start + BATCH]), IssueSnapshot.deleted.is_(False))))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in rows]


def stored_issues_of_type(session: Session, issue_type: str) -> Iterator[StoredIssue]:
    """Every live issue of one type (the project records)."""
    yield from _each(session, select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields,
                                     IssueSnapshot.remote_links)
                     .where(IssueSnapshot.issue_type == issue_type, IssueSnapshot.deleted.is_(False)))


def stored_issues_outside(session: Session, outside: Sequence[str], *, open_only: bool) -> Iterator[StoredIssue]:
    """Every live issue of the projects not in ``outside``; with ``open_only``, those not done (status category
    not ``done``, or unknown): what portfolio rules count beyond the projects read whole."""
    query = select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links) \
        .where(IssueSnapshot.deleted.is_(False))
    if open_only:
        query = query.where(or_(IssueSnapshot.status_category.is_(None), IssueSnapshot.status_category != "done"))
    if outside:
        query = query.where(IssueSnapshot.project_key.not_in(list(outside)))
    yield from _each(session, query)


def project_keys_of(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """Issue key -> its Jira project's key, for the live issues among ``keys``."""
    out: dict[str, str] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), BATCH):
        out.update((key, project) for key, project in session.execute(
            select(IssueSnapshot.key, IssueSnapshot.project_key).where(
                IssueSnapshot.key.in_(wanted[start:start + BATCH]), IssueSnapshot.deleted.is_(False))))
    return out


def stored_issues_by_id(session: Session, issue_ids: Sequence[str]) -> list[StoredIssue]:
    """These issues, if live."""
    rows: list[Any] = []
    for start in range(0, len(issue_ids), BATCH):
        rows.extend(session.execute(
            select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links)
            .where(IssueSnapshot.id.in_(list(issue_ids[start:start + BATCH])), IssueSnapshot.deleted.is_(False))))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in rows]


def stored_since(session: Session, since: datetime) -> list[StoredIssue]:
    """Issues stored or marked deleted at ``since`` or later (``>=``: a row stored in the same instant as the last
    one read is read again, never missed)."""
    rows = session.execute(select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields,
                                  IssueSnapshot.remote_links, IssueSnapshot.deleted, IssueSnapshot.synced_at)
                           .where(IssueSnapshot.synced_at >= since))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or [], row.deleted, utc(row.synced_at))
            for row in rows]


def stored_stamps_since(session: Session, since: datetime | None) -> dict[str, datetime]:
    """Issue id -> when it was stored (or marked deleted), for the issues stored at ``since`` or later (all:
    None). Cheap: no fields are read, so a reader can tell what it has not seen yet before reading it."""
    query = select(IssueSnapshot.id, IssueSnapshot.synced_at)
    if since is not None:
        query = query.where(IssueSnapshot.synced_at >= since)
    return {issue_id: utc(at) for issue_id, at in session.execute(query)}


def stored_rows(session: Session, issue_ids: Sequence[str]) -> list[StoredIssue]:
    """These issues as :func:`stored_since` reads them (deleted ones too, with their flag)."""
    found: list[StoredIssue] = []
    for start in range(0, len(issue_ids), BATCH):
        rows = session.execute(select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields,
                                      IssueSnapshot.remote_links, IssueSnapshot.deleted, IssueSnapshot.synced_at)
                               .where(IssueSnapshot.id.in_(list(issue_ids[start:start + BATCH]))))
        found += [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or [], row.deleted,
                              utc(row.synced_at)) for row in rows]
    return found


def last_stored(session: Session) -> datetime | None:
    moment = session.scalar(select(func.max(IssueSnapshot.synced_at)))
    return utc(moment) if moment else None


CHANGE_COLUMNS = (ChangelogItem.issue_id, ChangelogItem.history_id, ChangelogItem.created, ChangelogItem.field,
                  ChangelogItem.field_id, ChangelogItem.from_value, ChangelogItem.from_string, ChangelogItem.to_value,
                  ChangelogItem.to_string, ChangelogItem.author_id)


ChangeRow = tuple[str, str, datetime, str, str | None, str | None, str | None, str | None, str | None, str | None]
_CHANGE_SELECT = ("SELECT c.issue_id, c.history_id, c.created, c.field, c.field_id, c.from_value, c.from_string, "
                  "c.to_value, c.to_string, c.author_id FROM changelog_item c")
_CHANGE_ORDER = " ORDER BY c.issue_id, c.created, c.history_id, c.item_index"


def stored_changes_of_projects(session: Session, project_keys: Sequence[str]) -> Iterator[ChangeRow]:
    """The changelog items of the live issues of these projects, as :func:`stored_changes` reads them."""
    keys = list(project_keys)
    if session.get_bind().dialect.name == "sqlite":
        marks = ", ".join("?" for _ in keys)
        yield from _sqlite_changes(session, f"{_CHANGE_SELECT} JOIN issue_snapshot s ON s.id = c.issue_id "
                                            f"WHERE s.deleted = 0 AND s.project_key IN ({marks}){_CHANGE_ORDER}",
                                   tuple(keys))
        return
    query = select(*CHANGE_COLUMNS).join(IssueSnapshot, IssueSnapshot.id == ChangelogItem.issue_id).where(
        IssueSnapshot.project_key.in_(keys), IssueSnapshot.deleted.is_(False))
    yield from _ordered(session, query)


def stored_changes(session: Session, issue_ids: Sequence[str] | None = None) -> Iterator[ChangeRow]:
    """Changelog items (of these issues), each issue's oldest first, as plain tuples of ``CHANGE_COLUMNS``, read
    as they are used (the changelog is the store's largest table: 2.2 million items at 100,000 issues). SQLite's
    rows come straight from the driver, their moments parsed by ``datetime.fromisoformat`` (SQLAlchemy's
    processing of each took three times as long)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    chunks = [None] if issue_ids is None else [list(issue_ids[i:i + BATCH]) for i in range(0, len(issue_ids), BATCH)]
    for chunk in chunks:
        if sqlite:
            where = "" if chunk is None else f" WHERE c.issue_id IN ({', '.join('?' for _ in chunk)})"
            yield from _sqlite_changes(session, f"{_CHANGE_SELECT}{where}{_CHANGE_ORDER}", tuple(chunk or ()))
        else:
            query = select(*CHANGE_COLUMNS)
            if chunk is not None:
                query = query.where(ChangelogItem.issue_id.in_(chunk))
            yield from _ordered(session, query)


def _ordered(session: Session, query: Any) -> Iterator[ChangeRow]:
    query = query.order_by(ChangelogItem.issue_id, ChangelogItem.created, ChangelogItem.history_id,
                           ChangelogItem.item_index)
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield cast("ChangeRow", (row[0], row[1], utc(row[2]), *row[3:]))


def _sqlite_changes(session: Session, sql: str, parameters: tuple[Any, ...]) -> Iterator[ChangeRow]:
    last_text, last_moment = "", datetime.min
    # The driver's own cursor: SQLAlchemy's result rows cost more than the rest of the read at this count.
    driver = session.connection().connection.driver_connection
    assert driver is not None
    for row in driver.execute(sql, parameters):
        text = row[2]
        if text != last_text:  # the items of one history share its moment
            last_text, last_moment = text, datetime.fromisoformat(text).replace(tzinfo=UTC)
        yield (row[0], row[1], last_moment, row[3], row[4], row[5], row[6], row[7], row[8], row[9])

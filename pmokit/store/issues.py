"""The issue snapshot, changelogs and sync cursors in the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, or_, select, update
from sqlalchemy.orm import Session

from .tables import ChangelogItem, IssueSnapshot, SyncCursor
from .times import utc
from .upsert import upsert

BATCH = 500


def _now() -> datetime:
    return datetime.now(UTC)


def save_issues(session: Session, snapshots: Sequence[dict[str, Any]], changelog: Sequence[dict[str, Any]],
                whole: Sequence[str] = ()) -> None:
    """Store issue snapshot rows and changelog rows (columns as in :mod:`.tables`). A snapshot row without
    ``remote_links`` keeps the links stored; the stored changelog of the issues in ``whole`` is replaced."""
    with_links = [row for row in snapshots if "remote_links" in row]
    without = [row for row in snapshots if "remote_links" not in row]
    upsert(session, IssueSnapshot.__table__, with_links, ["id"])
    upsert(session, IssueSnapshot.__table__, without, ["id"])
    for start in range(0, len(whole), BATCH):
        session.execute(delete(ChangelogItem).where(ChangelogItem.issue_id.in_(whole[start:start + BATCH])))
    if session.get_bind().dialect.name == "sqlite":
        _insert_changelog_sqlite(session, changelog)
        return
    for start in range(0, len(changelog), 5000):
        upsert(session, ChangelogItem.__table__, changelog[start:start + 5000],
               ["issue_id", "history_id", "item_index"], update=False)


_CHANGELOG_COLUMNS = ("issue_id", "history_id", "item_index", "created", "author_id", "field", "field_id",
                      "from_value", "from_string", "to_value", "to_string")
_CHANGELOG_INSERT = (f"INSERT INTO changelog_item ({', '.join(_CHANGELOG_COLUMNS)}) "
                     f"VALUES ({', '.join('?' for _ in _CHANGELOG_COLUMNS)}) "
                     "ON CONFLICT (issue_id, history_id, item_index) DO NOTHING")


def _insert_changelog_sqlite(session: Session, changelog: Sequence[dict[str, Any]]) -> None:
    """The changelog's rows straight to SQLite's executemany: a full sync writes hundreds of thousands, and
    SQLAlchemy's per-value processing of each was a third of the time the store took. The values are the ones
    :class:`~.tables.UtcDateTime` would write (tests/test_store.py reads them back through the ORM)."""
    moments: dict[datetime, str] = {}  # the items of one history share its moment

    def moment(value: datetime) -> str:
        # SQLAlchemy's SQLite DateTime writes "YYYY-MM-DD HH:MM:SS.ffffff" (UtcDateTime: in UTC, no offset)
        text = moments.get(value)
        if text is None:
            utc_value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
            text = moments[value] = utc_value.isoformat(" ", "microseconds")
        return text

    values = [(row["issue_id"], row["history_id"], row["item_index"], moment(row["created"]), row["author_id"],
               row["field"], row["field_id"], row["from_value"], row["from_string"], row["to_value"],
               row["to_string"]) for row in changelog]
    if values:
        session.connection().exec_driver_sql(_CHANGELOG_INSERT, values)


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


def history_ids(session: Session, issue_ids: Sequence[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {i: set() for i in issue_ids}
    for start in range(0, len(issue_ids), BATCH):
        chunk = issue_ids[start:start + BATCH]
        for issue_id, history_id in session.execute(
                select(ChangelogItem.issue_id, ChangelogItem.history_id).where(ChangelogItem.issue_id.in_(chunk))
                .distinct()):
            out[issue_id].add(history_id)
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


def stored_issues(session: Session, project_keys: Sequence[str] | None = None) -> list[StoredIssue]:
    """Every live issue (of these projects)."""
    query = select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links) \
        .where(IssueSnapshot.deleted.is_(False))
    if project_keys:
        query = query.where(IssueSnapshot.project_key.in_(list(project_keys)))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in session.execute(query)]


def stored_issues_by_key(session: Session, keys: Sequence[str]) -> list[StoredIssue]:
    """These issues, by key, if live."""
    rows: list[Any] = []
    wanted = list(keys)
    for start in range(0, len(wanted), BATCH):
        rows.extend(session.execute(
            select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links)
            .where(IssueSnapshot.key.in_(wanted[start:start + BATCH]), IssueSnapshot.deleted.is_(False))))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in rows]


def stored_issues_of_type(session: Session, issue_type: str) -> list[StoredIssue]:
    """Every live issue of one type (the project records)."""
    query = select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links) \
        .where(IssueSnapshot.issue_type == issue_type, IssueSnapshot.deleted.is_(False))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in session.execute(query)]


def stored_issues_outside(session: Session, outside: Sequence[str], *, open_only: bool) -> list[StoredIssue]:
    """Every live issue of the projects not in ``outside``; with ``open_only``, those not done (status category
    not ``done``, or unknown): what portfolio rules count beyond the projects read whole."""
    query = select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields, IssueSnapshot.remote_links) \
        .where(IssueSnapshot.deleted.is_(False))
    if open_only:
        query = query.where(or_(IssueSnapshot.status_category.is_(None), IssueSnapshot.status_category != "done"))
    if outside:
        query = query.where(IssueSnapshot.project_key.not_in(list(outside)))
    return [StoredIssue(row.id, row.key, row.fields or {}, row.remote_links or []) for row in session.execute(query)]


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


def stored_comments(session: Session) -> list[tuple[str, dict[str, Any]]]:
    """(issue id, comment JSON) of every live issue that carries comments."""
    query = select(IssueSnapshot.id, IssueSnapshot.fields).where(IssueSnapshot.deleted.is_(False))
    return [(issue_id, data) for issue_id, fields in session.execute(query)
            for data in ((fields or {}).get("comment") or {}).get("comments") or ()]


CHANGE_COLUMNS = (ChangelogItem.issue_id, ChangelogItem.history_id, ChangelogItem.created, ChangelogItem.field,
                  ChangelogItem.field_id, ChangelogItem.from_value, ChangelogItem.from_string, ChangelogItem.to_value,
                  ChangelogItem.to_string, ChangelogItem.author_id)


def stored_changes_of_projects(session: Session, project_keys: Sequence[str]) -> list[Row[Any]]:
    """The changelog items of the live issues of these projects, as :func:`stored_changes` reads them."""
    query = select(*CHANGE_COLUMNS).join(IssueSnapshot, IssueSnapshot.id == ChangelogItem.issue_id).where(
        IssueSnapshot.project_key.in_(list(project_keys)), IssueSnapshot.deleted.is_(False))
    return list(session.execute(query.order_by(ChangelogItem.created, ChangelogItem.history_id)))


def stored_changes(session: Session, issue_ids: Sequence[str] | None = None) -> list[Row[Any]]:
    """Changelog items (of these issues), oldest first, as plain rows of ``CHANGE_COLUMNS``: the changelog is the
    store's largest table, and rows cost a fraction of what ORM objects do to build."""
    query = select(*CHANGE_COLUMNS)
    if issue_ids is not None:
        query = query.where(ChangelogItem.issue_id.in_(list(issue_ids)))
    return list(session.execute(query.order_by(ChangelogItem.created, ChangelogItem.history_id)))

"""The issue snapshot, changelogs and sync cursors in the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from connector.translate import parse_datetime

from .tables import ChangelogItem, IssueSnapshot, SyncCursor
from .times import utc
from .upsert import upsert

BATCH = 500


def _now() -> datetime:
    return datetime.now(UTC)


def snapshot_row(raw: dict[str, Any], synced_at: datetime, remote_links: list[Any] | None = None) -> dict[str, Any]:
    fields = raw.get("fields") or {}
    key = str(raw.get("key") or "")
    return {"id": str(raw["id"]), "key": key,
            "project_key": str((fields.get("project") or {}).get("key") or key.rsplit("-", 1)[0]),
            "issue_type": str((fields.get("issuetype") or {}).get("name") or ""),
            "status": str((fields.get("status") or {}).get("name") or ""),
            "updated": parse_datetime(fields.get("updated")), "fields": fields, "remote_links": remote_links,
            "deleted": False, "synced_at": synced_at}


def changelog_rows(issue_id: str, histories: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for history in histories:
        created = parse_datetime(history.get("created"))
        if created is None:
            continue
        author = history.get("author") or {}
        author_id = author.get("accountId") or author.get("name") or author.get("key")
        for index, item in enumerate(history.get("items") or []):
            rows.append({"issue_id": issue_id, "history_id": str(history.get("id")), "item_index": index,
                         "created": created, "author_id": author_id, "field": str(item.get("field") or ""),
                         "field_id": item.get("fieldId"), "from_value": _text(item.get("from")),
                         "from_string": _text(item.get("fromString")), "to_value": _text(item.get("to")),
                         "to_string": _text(item.get("toString"))})
    return rows


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def save_issues(session: Session, issues: Sequence[Any], remote_links: dict[str, list[Any]] | None = None) -> int:
    """Store fetched issues (``connector.jira_reader.FetchedIssue``); returns the histories written."""
    now = _now()
    links = remote_links or {}
    # Remote links are written only where they were read; elsewhere the stored ones stay.
    with_links = [snapshot_row(i.raw, now, links[i.id]) for i in issues if i.id in links]
    without = [snapshot_row(i.raw, now) for i in issues if i.id not in links]
    for row in without:
        del row["remote_links"]
    upsert(session, IssueSnapshot.__table__, with_links, ["id"])
    upsert(session, IssueSnapshot.__table__, without, ["id"])
    whole = [i.id for i in issues if i.coverage == "all"]
    for start in range(0, len(whole), BATCH):
        session.execute(delete(ChangelogItem).where(ChangelogItem.issue_id.in_(whole[start:start + BATCH])))
    rows = [row for i in issues for row in changelog_rows(i.id, i.histories)]
    for start in range(0, len(rows), 5000):
        upsert(session, ChangelogItem.__table__, rows[start:start + 5000],
               ["issue_id", "history_id", "item_index"], update=False)
    return sum(len(i.histories) for i in issues)


def set_comments(session: Session, comments: dict[str, dict[str, Any]]) -> None:
    """Keep each issue's ``comment`` field with its snapshot (project records: the gate decisions)."""
    now = _now()
    for row in session.scalars(select(IssueSnapshot).where(IssueSnapshot.id.in_(list(comments)))):
        row.fields = {**(row.fields or {}), "comment": comments[row.id]}
        row.synced_at = now  # readers that follow the store by synced_at see the new comments


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


def mark_deleted(session: Session, issue_ids: Iterable[str]) -> int:
    ids = list(issue_ids)
    for start in range(0, len(ids), BATCH):
        session.execute(update(IssueSnapshot).where(IssueSnapshot.id.in_(ids[start:start + BATCH]))
                        .values(deleted=True, synced_at=_now()))
    return len(ids)


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



"""Issues fetched from Jira as the store's rows: the snapshot's columns read from the JSON, one changelog row
per history item."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.jira_reader import ALL, TAIL, FetchedIssue, mark_text
from connector.storable import undecorated
from connector.translate import parse_datetime
from pmokit.store.issues import ChangelogRow


@dataclass(frozen=True)
class IssueRows:
    snapshots: list[dict[str, Any]]
    changelog: list[ChangelogRow]  # in the order of pmokit.store.issues.CHANGELOG_ROW
    whole: list[str]  # issues whose whole changelog was read: what the store holds of it is replaced
    histories: int


def issue_rows(issues: Sequence[FetchedIssue], remote_links: dict[str, list[Any]], synced_at: datetime) -> IssueRows:
    """Rows for fetched issues; remote links are written only where they were read (elsewhere the stored ones
    stay: the snapshot row then has no ``remote_links``), and the changelog mark where histories were read."""
    snapshots = []
    for issue in issues:
        row = snapshot_row(issue.raw, synced_at, remote_links.get(issue.id))
        if issue.id not in remote_links:
            del row["remote_links"]
        if issue.coverage == ALL or (issue.coverage == TAIL and issue.histories):
            row["changelog_mark"] = mark_text(issue.histories[-1]) if issue.histories else None
        snapshots.append(row)
    changelog = [row for issue in issues for row in changelog_rows(issue.id, issue.histories)]
    return IssueRows(snapshots, changelog, [i.id for i in issues if i.coverage == "all"],
                     sum(len(i.histories) for i in issues))


def snapshot_row(raw: dict[str, Any], synced_at: datetime, remote_links: list[Any] | None = None) -> dict[str, Any]:
    """The snapshot's columns, its fields kept without what no part of pmokit reads (REST links, pictures)."""
    fields = undecorated(raw.get("fields") or {})
    key = str(raw.get("key") or "")
    return {"id": str(raw["id"]), "key": key,
            "project_key": str((fields.get("project") or {}).get("key") or key.rsplit("-", 1)[0]),
            "issue_type": str((fields.get("issuetype") or {}).get("name") or ""),
            "status": str((fields.get("status") or {}).get("name") or ""),
            "status_category": _category(fields.get("status")),
            "updated": parse_datetime(fields.get("updated")), "fields": fields, "remote_links": remote_links,
            "deleted": False, "synced_at": synced_at}


# Histories no rule or report reads, and most of a changelog's rows: the Rank's moves (a board's every drag) and
# the drafts of the description and environment (whole texts, each time). The rest is kept, every field alike.
UNREAD_HISTORY = frozenset({"rank"})
UNREAD_SYSTEM_HISTORY = frozenset({"description", "environment"})


def unread(item: dict[str, Any]) -> bool:
    name = str(item.get("field") or "")
    if name.casefold() in UNREAD_HISTORY:
        return True
    # The system fields only (Data Center names no fieldId): a custom field called "Description" is kept.
    return name in UNREAD_SYSTEM_HISTORY and item.get("fieldtype") == "jira" and item.get("fieldId") in (None, name)


def changelog_rows(issue_id: str, histories: Iterable[dict[str, Any]]) -> list[ChangelogRow]:
    """One row per item of each history that pmokit reads (tuples: a full sync makes millions of them); each
    keeps its index in its history."""
    rows: list[ChangelogRow] = []
    for history in histories:
        created = parse_datetime(history.get("created"))
        if created is None:
            continue
        author = history.get("author") or {}
        author_id = author.get("accountId") or author.get("name") or author.get("key")
        history_id = str(history.get("id"))
        for index, item in enumerate(history.get("items") or []):
            if unread(item):
                continue
            rows.append((issue_id, history_id, index, created, author_id, str(item.get("field") or ""),
                         item.get("fieldId"), _text(item.get("from")), _text(item.get("fromString")),
                         _text(item.get("to")), _text(item.get("toString"))))
    return rows


def _category(status: Any) -> str | None:
    """The key of the status's category (new, indeterminate, done), or None where Jira sent none usable."""
    category = status.get("statusCategory") if isinstance(status, dict) else None
    key = category.get("key") if isinstance(category, dict) else None
    return key[:32] if isinstance(key, str) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)

"""The store's snapshot as the records rules read (``rules.facts.Facts``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector.translate import Vocabulary, comment_from_json, issue_from_json
from pmokit.records import Change, Comment, Issue, User
from rules.facts import Facts

from .tables import ChangelogItem, ConfluenceDocument, IssueSnapshot
from .times import utc


def load_issues(session: Session, vocabulary: Vocabulary, project_keys: list[str] | None = None) -> list[Issue]:
    query = select(IssueSnapshot).where(IssueSnapshot.deleted.is_(False))
    if project_keys:
        query = query.where(IssueSnapshot.project_key.in_(project_keys))
    return [issue_from_json({"id": row.id, "key": row.key, "fields": row.fields}, vocabulary,
                            row.remote_links or ()) for row in session.scalars(query)]


def load_changes(session: Session, issue_ids: list[str] | None = None) -> list[Change]:
    query = select(ChangelogItem)
    if issue_ids is not None:
        query = query.where(ChangelogItem.issue_id.in_(issue_ids))
    return [Change(issue_id=row.issue_id, history_id=row.history_id, created=utc(row.created), field=row.field,
                   field_id=row.field_id, from_value=row.from_value, from_string=row.from_string,
                   to_value=row.to_value, to_string=row.to_string,
                   author=User(row.author_id) if row.author_id else None)
            for row in session.scalars(query.order_by(ChangelogItem.created, ChangelogItem.history_id))]


def load_comments(session: Session) -> list[Comment]:
    """Comments kept with the issues that carry them (project records: the gate decisions)."""
    query = select(IssueSnapshot.id, IssueSnapshot.fields).where(IssueSnapshot.deleted.is_(False))
    return [comment_from_json(issue_id, data) for issue_id, fields in session.execute(query)
            for data in ((fields or {}).get("comment") or {}).get("comments") or ()]


def load_documents(session: Session) -> dict[str, list[str]]:
    """Project (or record) key -> the labels of its Confluence pages."""
    documents: dict[str, list[str]] = {}
    for row in session.scalars(select(ConfluenceDocument)):
        documents.setdefault(row.project_key, []).extend(row.labels or [])
    return documents


def load_facts(session: Session, vocabulary: Vocabulary, program_of: dict[str, str],
               project_keys: list[str] | None = None, groups: dict[str, list[str]] | None = None) -> Facts:
    issues = load_issues(session, vocabulary, project_keys)
    changes = load_changes(session, [i.id for i in issues] if project_keys else None)
    return Facts.build(issues, changes=changes, comments=load_comments(session), program_of=program_of,
                       groups=groups, documents=load_documents(session))


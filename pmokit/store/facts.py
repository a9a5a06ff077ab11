"""The store's snapshot as the records rules read (``rules.facts.Facts``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

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



class FactsCache:
    """The store's facts kept between a worker's batches: each call reads only the issues stored (or marked
    deleted) since the one before, so a batch of events costs its own issues, not the whole portfolio. The
    whole store is read again every ``max_age`` seconds all the same."""

    def __init__(self, sessions: sessionmaker[Session], vocabulary: Callable[[], Vocabulary],
                 program_of: dict[str, str], groups: Callable[[], dict[str, list[str]]], max_age: float = 300.0):
        self.sessions, self.vocabulary, self.program_of, self.groups = sessions, vocabulary, program_of, groups
        self.max_age = max_age
        self._issues: dict[str, Issue] = {}
        self._changes: dict[str, list[Change]] = {}
        self._comments: dict[str, list[Comment]] = {}
        self._since: datetime | None = None
        self._loaded = 0.0

    def get(self) -> Facts:
        with self.sessions() as session:
            if self._since is None or time.monotonic() - self._loaded > self.max_age:
                self._full(session)
            else:
                self._recent(session)
            documents = load_documents(session)
        return Facts.assemble(self._issues.values(), comments=self._comments, changes=self._changes,
                              program_of=self.program_of, groups=self.groups(), documents=documents)

    def _full(self, session: Session) -> None:
        self._since = session.scalar(select(func.max(IssueSnapshot.synced_at)))
        self._loaded = time.monotonic()
        self._issues = {i.id: i for i in load_issues(session, self.vocabulary())}
        self._changes, self._comments = {}, {}
        for change in load_changes(session):
            self._changes.setdefault(change.issue_id, []).append(change)
        for comment in load_comments(session):
            self._comments.setdefault(comment.issue_id, []).append(comment)
        _sort_comments(self._comments)

    def _recent(self, session: Session) -> None:
        # ">=": a row stored in the same instant as the last one read is read again, never missed.
        rows = list(session.execute(select(IssueSnapshot.id, IssueSnapshot.key, IssueSnapshot.fields,
                                           IssueSnapshot.remote_links, IssueSnapshot.deleted, IssueSnapshot.synced_at)
                                    .where(IssueSnapshot.synced_at >= self._since)))
        if not rows:
            return
        vocabulary = self.vocabulary()
        ids = [row.id for row in rows]
        for row in rows:
            self._since = max(self._since, row.synced_at) if self._since else row.synced_at
            self._comments.pop(row.id, None)
            if row.deleted:
                self._issues.pop(row.id, None)
                continue
            self._issues[row.id] = issue_from_json({"id": row.id, "key": row.key, "fields": row.fields}, vocabulary,
                                                   row.remote_links or ())
            comments = [comment_from_json(row.id, data) for data in
                        ((row.fields or {}).get("comment") or {}).get("comments") or ()]
            if comments:
                self._comments[row.id] = comments
        for issue_id in ids:
            self._changes.pop(issue_id, None)
        for change in load_changes(session, ids):
            self._changes.setdefault(change.issue_id, []).append(change)
        _sort_comments({i: self._comments[i] for i in ids if i in self._comments})


def _sort_comments(by_issue: dict[str, list[Comment]]) -> None:
    for comments in by_issue.values():
        comments.sort(key=lambda c: c.created or datetime.min.replace(tzinfo=UTC))

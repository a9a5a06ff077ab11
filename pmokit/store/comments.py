"""What pmokit last wrote as its comment on each issue: the comment's id and its text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from .tables import PmokitComment
from .upsert import upsert


def load_comments(session: Session, issue_keys: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
    """Issue key -> (comment id, text) of pmokit's comment, as pmokit last wrote it; ``("", "")`` where pmokit
    knows it has no comment (it looked, or deleted its own)."""
    query = select(PmokitComment)
    if issue_keys is not None:
        query = query.where(PmokitComment.issue_key.in_(list(issue_keys)))
    return {row.issue_key: (row.comment_id, row.text) for row in session.scalars(query)}


def remember_comment(session: Session, issue_key: str, comment_id: str, text: str,
                     now: datetime | None = None) -> None:
    upsert(session, PmokitComment.__table__, [{"issue_key": issue_key, "comment_id": comment_id, "text": text,
                                               "written_at": now or datetime.now(UTC)}], ["issue_key"])


def remember_no_comment(session: Session, issue_key: str, now: datetime | None = None) -> None:
    remember_comment(session, issue_key, "", "", now)


def forget_comments(session: Session, issue_keys: Iterable[str]) -> None:
    """What pmokit remembers of these issues' comments may be wrong (someone edited or deleted one)."""
    keys = list(issue_keys)
    if keys:
        session.execute(delete(PmokitComment).where(PmokitComment.issue_key.in_(keys)))


def forget_comment(session: Session, issue_key: str, comment_id: str = "") -> bool:
    """Forget pmokit's comment on ``issue_key`` if it is ``comment_id`` (any, when ``""``): someone else changed
    it. Whether something was forgotten."""
    query = delete(PmokitComment).where(PmokitComment.issue_key == issue_key)
    if comment_id:
        query = query.where(PmokitComment.comment_id == comment_id)
    return bool(cast("CursorResult[Any]", session.execute(query)).rowcount)  # a DELETE's result is a cursor's

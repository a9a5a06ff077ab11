"""The ledger of gate decisions: every `/pmo` command pmokit took, applied or refused, in order, once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmokit.records import Decision

from .tables import GateDecision
from .times import utc
from .upsert import upsert


def load_decisions(session: Session, issue_keys: Sequence[str] | None = None) -> list[Decision]:
    """Decisions (on these issues), in the order they were made."""
    query = select(GateDecision)
    if issue_keys is not None:
        query = query.where(GateDecision.issue_key.in_(list(issue_keys)))
    rows = session.scalars(query.order_by(GateDecision.at, GateDecision.pk))
    return [Decision(row.issue_key, row.gate, row.comment_id, row.line, row.verb, row.author, row.author_name,
                     utc(row.at) if row.at else None, row.applied, row.answer, row.phase, row.reason, row.deadline,
                     row.conditions) for row in rows]


def save_decisions(session: Session, decisions: Iterable[Decision], now: datetime | None = None) -> int:
    """Keep new decisions; one already kept (the same comment and line) stays as it was taken."""
    now = now or datetime.now(UTC)
    rows = [{"issue_key": d.issue_key, "gate": d.gate, "comment_id": d.comment_id, "line": d.line, "verb": d.verb,
             "author": d.author, "author_name": d.author_name, "at": d.at, "applied": d.applied, "answer": d.answer,
             "phase": d.phase, "reason": d.reason, "deadline": d.deadline, "conditions": d.conditions,
             "recorded_at": now} for d in decisions]
    upsert(session, GateDecision.__table__, rows, ["comment_id", "line"], update=False)
    return len(rows)

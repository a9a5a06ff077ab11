"""The webhook inbox: events persisted before they are acknowledged, claimed by workers, retried, dead-lettered.

Claiming is safe with several workers on one store: on PostgreSQL candidates are read ``FOR UPDATE SKIP
LOCKED``; on every database the claim itself is a conditional update, so two workers can never both hold an
event. A claim is a lease: a worker that dies lets its events go when the lease runs out. A worker that lives
renews its lease while it works (:func:`renew`, a conditional update that succeeds only while the claim is still
its own), so a slow batch is never taken over while it runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import Session

from .tables import InboxEvent, IssueLease

PENDING, DONE, DEAD = "pending", "done", "dead"


@dataclass(frozen=True)
class Incoming:
    dedupe_key: str
    webhook_event: str
    issue_id: str
    issue_key: str
    actor: str
    triggers: tuple[str, ...]
    payload: str  # the body's JSON text
    body_sha256: str | None = None  # the body's hash: a second event with the same body is a duplicate


# One statement per dialect, built once: the receiver runs it for every batch of webhooks, and SQLAlchemy
# then reuses its compiled form.
# No conflict target: a clash on the identifier or on the body's hash makes the event a duplicate.
_INSERTS = {name: module.insert(InboxEvent.__table__).on_conflict_do_nothing()
            .returning(InboxEvent.__table__.c.dedupe_key)
            for name, module in (("postgresql", postgresql), ("sqlite", sqlite))}


def enqueue(session: Session, event: Incoming, now: datetime | None = None) -> bool:
    """Persist an event; False when one with the same dedupe key is already there (a duplicate delivery)."""
    return bool(enqueue_many(session, [event], now))


def enqueue_many(session: Session, events: list[Incoming], now: datetime | None = None) -> dict[str, Incoming]:
    """Persist several events in one statement; returns dedupe key -> the event stored under it, for those that
    were new (a key or a body hash seen before, or twice in ``events``, stores the first only)."""
    now = now or datetime.now(UTC)
    first: dict[str, Incoming] = {}
    bodies: set[str] = set()
    for event in events:
        if event.dedupe_key in first or (event.body_sha256 is not None and event.body_sha256 in bodies):
            continue
        first[event.dedupe_key] = event
        if event.body_sha256 is not None:
            bodies.add(event.body_sha256)
    statement = _INSERTS["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    rows = [{"dedupe_key": e.dedupe_key, "received_at": now, "webhook_event": e.webhook_event,
             "issue_id": e.issue_id, "issue_key": e.issue_key, "actor": e.actor, "triggers": list(e.triggers),
             "payload": e.payload, "body_sha256": e.body_sha256, "status": PENDING, "attempts": 0,
             "next_attempt_at": now, "outcome": ""}
            for e in first.values()]
    stored = session.connection().execute(statement, rows)
    return {key: first[key] for key in stored.scalars()}


def claim(session: Session, limit: int, lease: timedelta, now: datetime | None = None) -> list[InboxEvent]:
    """Up to ``limit`` events due for processing, now held by this caller until ``now + lease``."""
    now = now or datetime.now(UTC)
    claimable = and_(InboxEvent.status == PENDING, InboxEvent.next_attempt_at <= now,
                     or_(InboxEvent.claimed_until.is_(None), InboxEvent.claimed_until < now))
    query = select(InboxEvent.pk).where(claimable).order_by(InboxEvent.pk).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pks = list(session.scalars(query))
    if not pks:
        return []
    token = uuid.uuid4().hex
    session.execute(update(InboxEvent).where(InboxEvent.pk.in_(pks), claimable)
                    .values(claim=token, claimed_until=now + lease).execution_options(synchronize_session=False))
    events = list(session.scalars(select(InboxEvent).where(InboxEvent.claim == token).order_by(InboxEvent.pk)))
    # One worker per issue: events of an issue another worker is acting on wait for it to finish.
    mine = _lease_issues(session, sorted({e.issue_id for e in events}), token, now + lease, now)
    waiting = [e.pk for e in events if e.issue_id not in mine]
    if waiting:
        session.execute(update(InboxEvent).where(InboxEvent.pk.in_(waiting))
                        .values(claim=None, claimed_until=None).execution_options(synchronize_session=False))
    return [e for e in events if e.issue_id in mine]


def _lease_issues(session: Session, issue_ids: list[str], token: str, until: datetime, now: datetime) -> set[str]:
    """The issues this claim now holds: free ones, and those whose holder's lease ran out (a dead worker)."""
    if not issue_ids:
        return set()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = IssueLease.__table__
    statement = module.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["issue_id"], set_={"claim": statement.excluded.claim, "until": statement.excluded.until},
        where=table.c.until < now).returning(table.c.issue_id)
    rows = [{"issue_id": issue_id, "claim": token, "until": until} for issue_id in issue_ids]
    return set(session.execute(statement, rows).scalars())


def lease_more(session: Session, issue_ids: list[str], token: str, lease: timedelta,
               now: datetime | None = None) -> set[str]:
    """Extend a claim to more issues (a batch also acts on its issues' parents): those another holds (none: the
    claim holds them all now). What could be taken is held even when some could not."""
    now = now or datetime.now(UTC)
    held = set(session.scalars(select(IssueLease.issue_id).where(IssueLease.claim == token,
                                                                 IssueLease.issue_id.in_(issue_ids))))
    wanted = sorted(set(issue_ids) - held)
    if not wanted:
        return set()
    return set(wanted) - _lease_issues(session, wanted, token, now + lease, now)


def renew(session: Session, token: str, pks: list[int], issue_ids: list[str], lease: timedelta,
          now: datetime | None = None) -> bool:
    """Extend a claim: its events ``pks`` and its issue leases ``issue_ids`` held until ``now + lease``.

    Conditional on each row still carrying ``token``: False when any of them does not (its lease ran out and
    another worker claimed it; that worker does the work now). A claim whose lease ran out that no one took
    over is still this caller's, and renewing it is safe: claiming is conditional on the same rows.
    """
    until = (now or datetime.now(UTC)) + lease
    wanted_events, wanted_issues = set(pks), set(issue_ids)
    events = session.execute(update(InboxEvent).where(InboxEvent.pk.in_(wanted_events), InboxEvent.claim == token,
                                                      InboxEvent.status == PENDING)
                             .values(claimed_until=until).execution_options(synchronize_session=False))
    issues = session.execute(update(IssueLease).where(IssueLease.issue_id.in_(wanted_issues),
                                                      IssueLease.claim == token)
                             .values(until=until).execution_options(synchronize_session=False))
    return _rowcount(events) == len(wanted_events) and _rowcount(issues) == len(wanted_issues)


def postpone(session: Session, events: list[InboxEvent], delay: timedelta, now: datetime | None = None) -> None:
    """Put claimed events back for a little while, without counting a try (another worker holds an issue)."""
    session.execute(update(InboxEvent).where(InboxEvent.pk.in_([e.pk for e in events]),
                                             InboxEvent.claim == events[0].claim)
                    .values(claim=None, claimed_until=None, next_attempt_at=(now or datetime.now(UTC)) + delay)
                    .execution_options(synchronize_session=False))


def release(session: Session, token: str) -> None:
    """Let go of the issues a claim held (its events are done, retried or dead)."""
    session.execute(delete(IssueLease).where(IssueLease.claim == token))


def finish(session: Session, event: InboxEvent, outcome: str, now: datetime | None = None) -> bool:
    """Mark a claimed event done; False if the claim was lost meanwhile (another worker took over)."""
    result = session.execute(update(InboxEvent).where(InboxEvent.pk == event.pk, InboxEvent.claim == event.claim)
                             .values(status=DONE, outcome=outcome[:4000], processed_at=now or datetime.now(UTC),
                                     claim=None, claimed_until=None).execution_options(synchronize_session=False))
    return _rowcount(result) == 1


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … at most ten minutes between tries."""
    return timedelta(seconds=min(2 ** attempts, 600))


def fail(session: Session, event: InboxEvent, error: str, max_attempts: int, now: datetime | None = None) -> str:
    """Count a failed try: back to pending after a backoff, or a dead letter after ``max_attempts``; returns the
    status set, or "" if the claim was lost meanwhile (another worker took over: nothing is changed)."""
    now = now or datetime.now(UTC)
    attempts = event.attempts + 1
    status = DEAD if attempts >= max_attempts else PENDING
    result = session.execute(update(InboxEvent).where(InboxEvent.pk == event.pk, InboxEvent.claim == event.claim)
                    .values(status=status, attempts=attempts, outcome=error[:4000], claim=None, claimed_until=None,
                            next_attempt_at=now + backoff(attempts),
                            processed_at=now if status == DEAD else None).execution_options(
                        synchronize_session=False))
    return status if _rowcount(result) == 1 else ""


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
    return {PENDING: 0, DONE: 0, DEAD: 0} | {status: n for status, n in rows}


def last_received(session: Session) -> datetime | None:
    """When the newest delivery still in the inbox arrived (every one there was signed with webhooks.secret)."""
    return session.scalar(select(func.max(InboxEvent.received_at)))


def listing(session: Session, status: str | None = None, limit: int = 50) -> list[InboxEvent]:
    query = select(InboxEvent).order_by(InboxEvent.pk.desc()).limit(limit)
    if status:
        query = query.where(InboxEvent.status == status)
    return list(session.scalars(query))


def get(session: Session, pk: int) -> InboxEvent | None:
    return session.get(InboxEvent, pk)


def retry(session: Session, pks: list[int] | None = None, now: datetime | None = None) -> int:
    """Dead letters (all, or these) back to pending, with their attempts reset."""
    query = update(InboxEvent).where(InboxEvent.status == DEAD)
    if pks:
        query = query.where(InboxEvent.pk.in_(pks))
    return _rowcount(session.execute(query.values(
        status=PENDING, attempts=0, next_attempt_at=now or datetime.now(UTC), claim=None, claimed_until=None)
        .execution_options(synchronize_session=False)))


def purge(session: Session, status: str, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete events in ``status`` (done or dead), optionally only those received before ``now - older_than``."""
    query = delete(InboxEvent).where(InboxEvent.status == status)
    if older_than is not None:
        query = query.where(InboxEvent.received_at < (now or datetime.now(UTC)) - older_than)
    return _rowcount(session.execute(query.execution_options(synchronize_session=False)))


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (a DML statement's result is a cursor result)."""
    return cast("CursorResult[Any]", result).rowcount

"""Leader leases: one pmokit instance at a time holds a named duty, renewing it; another takes over when the
holder stops renewing (it died). One conditional upsert, atomic on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .tables import LeaderLease


def acquire(session: Session, name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease ``name`` for ``holder``; True if ``holder`` holds it until ``now + ttl``."""
    now = now or datetime.now(UTC)
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = LeaderLease.__table__
    statement = module.insert(table).values(name=name, holder=holder, until=now + ttl)
    statement = statement.on_conflict_do_update(
        index_elements=["name"], set_={"holder": holder, "until": now + ttl},
        where=(table.c.holder == holder) | (table.c.until < now)).returning(table.c.holder)
    return session.execute(statement).scalar() == holder


def holder_of(session: Session, name: str, now: datetime | None = None) -> str | None:
    """Who holds ``name`` now (None when nobody does)."""
    row = session.get(LeaderLease, name)
    if row is None:
        return None
    until = row.until if row.until.tzinfo else row.until.replace(tzinfo=UTC)
    return row.holder if until >= (now or datetime.now(UTC)) else None


def release(session: Session, name: str, holder: str) -> None:
    session.execute(delete(LeaderLease).where(LeaderLease.name == name, LeaderLease.holder == holder))



"""Charts a report drew, by the digest of their data (``report_jobs.reports.chart_jobs.ChartCache``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from .tables import DrawnChart
from .upsert import upsert

# A chart no report asked for in this long is dropped (a project's burn-up changes every week it is active).
KEEP_UNUSED = timedelta(days=14)
_CHUNK = 500  # digests per query: under every database's limit on bound parameters


class StoreChartCache:
    def __init__(self, sessions: sessionmaker[Session], now: datetime | None = None):
        self.sessions = sessions
        self.now = now or datetime.now(UTC)

    def charts(self, digests: Iterable[str]) -> dict[str, bytes]:
        wanted = list(digests)
        found: dict[str, bytes] = {}
        with self.sessions.begin() as session:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start:start + _CHUNK]
                found.update(session.execute(select(DrawnChart.digest, DrawnChart.png)
                                             .where(DrawnChart.digest.in_(chunk))).all())
            for start in range(0, len(found), _CHUNK):
                session.execute(update(DrawnChart).where(DrawnChart.digest.in_(list(found)[start:start + _CHUNK]))
                                .values(used_at=self.now))
        return found

    def remember_charts(self, drawn: dict[str, bytes]) -> None:
        rows = [{"digest": digest, "png": png, "used_at": self.now} for digest, png in drawn.items()]
        with self.sessions.begin() as session:
            for start in range(0, len(rows), _CHUNK):
                upsert(session, DrawnChart.__table__, rows[start:start + _CHUNK], ["digest"])
            session.execute(delete(DrawnChart).where(DrawnChart.used_at < self.now - KEEP_UNUSED))

"""Status snapshots per reporting period: written once per period (the latest run of the period wins)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from .tables import StatusSnapshot
from .upsert import upsert


def _plain(value: Any) -> Any:
    """A JSON-safe value: NaN and NaT become None, numpy scalars plain numbers, timestamps ISO text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return value


def save(session: Session, period: str, status: pd.DataFrame, now: datetime | None = None) -> int:
    """Store ``status`` (a RAG frame: project, rag, reasons, and figure columns) as ``period``'s snapshot."""
    now = now or datetime.now(UTC)
    figures = [c for c in status.columns if c not in ("project", "rag", "reasons")]
    rows = [{"period": period, "project_key": str(row["project"]), "rag": row["rag"],
             "figures": {c: _plain(row[c]) for c in figures}, "reasons": list(row["reasons"]), "taken_at": now}
            for _, row in status.iterrows()]
    upsert(session, StatusSnapshot.__table__, rows, ["period", "project_key"])
    return len(rows)


def periods(session: Session) -> set[str]:
    """The periods that have a snapshot."""
    return set(session.scalars(select(StatusSnapshot.period).distinct()))


def load(session: Session, periods: list[str] | None = None) -> pd.DataFrame:
    """Snapshots (all, or of ``periods``) as period, project, rag, reasons and the figures as columns."""
    query = select(StatusSnapshot).order_by(StatusSnapshot.period, StatusSnapshot.project_key)
    if periods:
        query = query.where(StatusSnapshot.period.in_(periods))
    rows = [{"period": s.period, "project": s.project_key, "rag": s.rag, "reasons": s.reasons, **(s.figures or {})}
            for s in session.scalars(query)]
    return pd.DataFrame(rows)

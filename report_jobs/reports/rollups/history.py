"""Status history: the reporting period of a day, what changed since the last period, RAG over time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd

from .rag import TEXTS

INDICATORS = tuple(TEXTS)  # schedule, milestones, slippage, budget, spent, cpi, compliance, risk
NEW = "new in this period"  # what changed for a project the last period did not have


def period_of(day: date) -> str:
    """The ISO week, e.g. ``2026-W47``: the default reporting period."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The first and the last moment (UTC) of an ISO-week period such as ``2026-W47``."""
    year, week = period.split("-W")
    start = datetime.combine(date.fromisocalendar(int(year), int(week), 1), datetime.min.time(), tzinfo=UTC)
    return start, start + timedelta(days=7) - timedelta(microseconds=1)


def periods_before(period: str, count: int) -> list[str]:
    """The ``count`` periods before ``period``, oldest first."""
    start, _ = period_bounds(period)
    return [period_of((start - timedelta(weeks=n)).date()) for n in range(count, 0, -1)]


def changes_since(current: pd.DataFrame, previous: pd.DataFrame,
                  events: dict[str, list[dict]] | None = None) -> pd.DataFrame:
    """Per project that changed: its colour then and now, ``moves`` (each indicator that changed colour: its
    name, colour then and now, and its value now), ``events`` (what happened in Jira in between: see
    :func:`report_jobs.reports.changes.period_events`), and ``new`` for a project the last period did not have."""
    before = previous.set_index("project") if not previous.empty else pd.DataFrame()
    events = events or {}
    rows = []
    for _, now in current.iterrows():
        project = now["project"]
        happened = events.get(str(project), [])
        if before.empty or project not in before.index:
            rows.append({"project": project, "was": None, "now": now["rag"], "new": True, "moves": [],
                         "events": happened})
            continue
        then = before.loc[project]
        moves = [{"indicator": name, "was": then[f"{name}_rag"], "now": now[f"{name}_rag"],
                  "value": now.get(f"{name}_value")} for name in INDICATORS
                 if isinstance(then.get(f"{name}_rag"), str) and then[f"{name}_rag"] != now[f"{name}_rag"]
                 and _measured(then.get(f"{name}_value"))]  # a value unknown then did not change colour
        if moves or happened or then["rag"] != now["rag"]:
            rows.append({"project": project, "was": then["rag"], "now": now["rag"], "new": False, "moves": moves,
                         "events": happened})
    return pd.DataFrame(rows, columns=["project", "was", "now", "new", "moves", "events"])


def _measured(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def rag_history(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Project × period: the colour in each period (for the RAG history chart and trends)."""
    if snapshots.empty:
        return pd.DataFrame()
    return snapshots.pivot_table(index="project", columns="period", values="rag", aggfunc="first").sort_index()

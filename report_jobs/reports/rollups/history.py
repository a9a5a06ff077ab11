"""Status history: the reporting period of a day, what changed since the last period, RAG over time."""

from __future__ import annotations

from datetime import date

import pandas as pd

INDICATORS = ("schedule", "milestones", "slippage", "budget", "compliance", "risk")
NEW = "new in this period"  # what changed for a project the last period did not have


def period_of(day: date) -> str:
    """The ISO week, e.g. ``2026-W47``: the default reporting period."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def changes_since(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Per project: its colour then and now, and which indicators changed colour (``"budget: green → red"``)."""
    before = previous.set_index("project") if not previous.empty else pd.DataFrame()
    rows = []
    for _, now in current.iterrows():
        project = now["project"]
        if before.empty or project not in before.index:
            rows.append({"project": project, "was": None, "now": now["rag"], "changed": [NEW]})
            continue
        then = before.loc[project]
        moved = [f"{name}: {then[f'{name}_rag']} → {now[f'{name}_rag']}" for name in INDICATORS
                 if f"{name}_rag" in then and then[f"{name}_rag"] != now[f"{name}_rag"]]
        if moved or then["rag"] != now["rag"]:
            rows.append({"project": project, "was": then["rag"], "now": now["rag"], "changed": moved})
    return pd.DataFrame(rows, columns=["project", "was", "now", "changed"])


def rag_history(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Project × period: the colour in each period (for the RAG history chart and trends)."""
    if snapshots.empty:
        return pd.DataFrame()
    return snapshots.pivot_table(index="project", columns="period", values="rag", aggfunc="first").sort_index()

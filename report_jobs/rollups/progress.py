"""Progress by count and by story points, per portfolio, program, project and epic."""

from __future__ import annotations

import pandas as pd

LEVELS = {"portfolio": [], "program": ["program"], "project": ["project"], "epic": ["epic"]}


WORK_TYPES = ("Story", "Task", "Bug")


def progress(frame: pd.DataFrame, level: str, *, work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Per group of ``level``: issues, done, % done by count; points, done points, % done by points.

    Only work items count (``work_types``); epics count their children (by epic link or parent)."""
    work = frame[frame["type"].isin(work_types)].copy()
    if level == "epic":
        work["epic"] = work["epic"].astype(object).fillna(work["parent"].astype(object))
        work = work[work["epic"].notna()]
    keys = LEVELS[level]
    work["done_points"] = work["points"].where(work["done"], 0.0)
    grouped = work.assign(one=1, group="portfolio").groupby(keys or ["group"], sort=True, observed=True)
    out = grouped.agg(issues=("one", "sum"), done=("done", "sum"), points=("points", "sum"),
                      done_points=("done_points", "sum"))
    out["pct_done"] = (100 * out["done"] / out["issues"]).round(1)
    out["pct_points"] = (100 * out["done_points"] / out["points"].where(out["points"] > 0)).round(1)
    out.index.name = level
    return out.reset_index()

"""Progress by count and by story points, per portfolio, program, project and epic."""

from __future__ import annotations

import pandas as pd

LEVELS = ("portfolio", "program", "project", "epic")
WORK_TYPES = ("Story", "Task", "Bug")


def _epic_or_parent(work: pd.DataFrame) -> pd.Series:
    """The epic of each item, else its parent: as one categorical (grouping strings costs far more)."""
    epic, parent = work["epic"], work["parent"]
    if not isinstance(epic.dtype, pd.CategoricalDtype):
        return epic.fillna(parent)
    categories = epic.cat.categories.union(parent.cat.categories)
    return epic.cat.set_categories(categories).fillna(parent.cat.set_categories(categories))


def progress(frame: pd.DataFrame, level: str, *, work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Per group of ``level``: issues, done, % done by count; points, done points, % done by points.

    Only work items count (``work_types``); epics count their children (by epic link or parent)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    work = frame.loc[frame["type"].isin(work_types), ["program", "project", "epic", "parent", "done", "points"]]
    points = work["points"]
    # One frame of numbers, one grouped sum: cheaper than an aggregation per column.
    numbers = pd.DataFrame({"issues": 1, "done": work["done"].astype("int64"), "points": points,
                            "done_points": points.where(work["done"], 0.0)})
    if level == "portfolio":
        out = numbers.sum().to_frame("portfolio").T
        out.index.name = level
    else:
        key = _epic_or_parent(work) if level == "epic" else work[level]
        out = numbers.assign(**{level: key}).dropna(subset=[level]).groupby(level, sort=True, observed=True).sum()
    out["pct_done"] = (100 * out["done"] / out["issues"]).round(1)
    out["pct_points"] = (100 * out["done_points"] / out["points"].where(out["points"] > 0)).round(1)
    return out.reset_index()

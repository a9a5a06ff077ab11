"""Progress by count and by story points, per portfolio, program, project and epic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .grouping import codes_of, grouped

LEVELS = ("portfolio", "program", "project", "epic")
WORK_TYPES = ("Story", "Task", "Bug")


def _epic_or_parent(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """The epic of each item, else its parent: codes into the union of both columns' categories."""
    epic, epic_names = codes_of(frame["epic"])
    parent, parent_names = codes_of(frame["parent"])
    names = epic_names.union(parent_names)
    epic_to = np.append(names.get_indexer(epic_names), -1)  # index -1 (no epic) maps to the appended -1
    parent_to = np.append(names.get_indexer(parent_names), -1)
    return np.where(epic >= 0, epic_to[epic], parent_to[parent]), names


def work_points(frame: pd.DataFrame, work_types: tuple[str, ...] = WORK_TYPES) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are work items, and each one's story points (an item without points adds none): the one
    definition the progress tables and the burn-ups both count with."""
    work = frame["type"].isin(work_types).to_numpy()
    return work, np.nan_to_num(frame["points"].to_numpy(dtype=float)[work])


def progress(frame: pd.DataFrame, level: str, *, work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Per group of ``level``: issues, done, % done by count; points, done points, % done by points.

    Only work items count (``work_types``); epics count their children (by epic link or parent)."""
    return progress_levels(frame, (level,), work_types=work_types)[level]


def progress_levels(frame: pd.DataFrame, levels: tuple[str, ...] = LEVELS, *,
                    work_types: tuple[str, ...] = WORK_TYPES) -> dict[str, pd.DataFrame]:
    """:func:`progress` at each of ``levels``. Sums of category codes with ``bincount``, the work items picked
    once: a pandas groupby per level hashes and recodes its keys, several times the cost at this size."""
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    work, points = work_points(frame, work_types)
    done = frame["done"].to_numpy(dtype=bool)[work]
    numbers = {"issues": np.ones(len(done)), "done": done.astype(float), "points": points,
               "done_points": np.where(done, points, 0.0)}
    out = {}
    for level in levels:
        if level == "portfolio":
            groups, sums = np.array(["portfolio"], dtype=object), {k: np.array([v.sum()]) for k, v in numbers.items()}
        else:
            codes, names = _epic_or_parent(frame) if level == "epic" else codes_of(frame[level])
            groups, sums = grouped(codes[work], names, numbers)
        issues, finished, scope = sums["issues"], sums["done"], sums["points"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[level] = pd.DataFrame({
                level: groups, "issues": issues.astype("int64"), "done": finished.astype("int64"), "points": scope,
                "done_points": sums["done_points"], "pct_done": np.round(100 * finished / issues, 1),
                "pct_points": np.round(100 * sums["done_points"] / np.where(scope > 0, scope, np.nan), 1)})
    return out


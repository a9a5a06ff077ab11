"""Burn-up per project: scope and work done, in story points, at the end of each week."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .progress import WORK_TYPES


def burnup(frame: pd.DataFrame, today: date, *, weeks: int = 12,
           work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Project × week end (Sundays, the last ``weeks`` up to this one): ``scope`` (points of the work items
    created by then) and ``done`` (points of those resolved by then). An item without points weighs 1."""
    sunday = pd.Timestamp(today + timedelta(days=6 - today.weekday()))
    ends = pd.DatetimeIndex([sunday - pd.Timedelta(weeks=n) for n in range(weeks - 1, -1, -1)])
    work = frame.loc[frame["type"].isin(work_types), ["project", "points", "created", "resolved", "done"]]
    weight = work["points"].fillna(1.0).to_numpy()
    # Up to the end of a week day: an item created or resolved on Sunday counts in that week.
    limits = (ends + pd.Timedelta(days=1)).to_numpy()
    created = work["created"].to_numpy()
    resolved = work["resolved"].where(work["done"]).to_numpy()
    rows = []
    for project, index in work.groupby("project", observed=True, sort=True).indices.items():
        w = weight[index]
        scope = (w[None, :] * (created[index][None, :] < limits[:, None])).sum(axis=1)
        finished = resolved[index]
        done = (w[None, :] * (~np.isnat(finished)[None, :] & (finished[None, :] < limits[:, None]))).sum(axis=1)
        rows.append(pd.DataFrame({"project": str(project), "week": ends, "scope": scope, "done": done}))
    if not rows:
        return pd.DataFrame(columns=["project", "week", "scope", "done"])
    return pd.concat(rows, ignore_index=True)

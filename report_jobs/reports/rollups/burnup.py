"""Burn-up per project: scope and work done, in story points, at the end of each week."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .progress import WORK_TYPES, work_points


def burnup(frame: pd.DataFrame, today: date, *, weeks: int = 12,
           work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Project × week end (Sundays, the last ``weeks`` up to this one): ``scope`` (points of the work items
    created by then) and ``done`` (points of those resolved by then), counted as the progress table counts them
    (:func:`progress.work_points`): the last week's scope and done are the table's points and done points. A
    project with nothing estimated is counted in items instead (``unit``: points or issues), as schedule
    variance and earned value count it, rather than drawn as a flat zero."""
    sunday = pd.Timestamp(today + timedelta(days=6 - today.weekday()))
    ends = pd.DatetimeIndex([sunday - pd.Timedelta(weeks=n) for n in range(weeks - 1, -1, -1)])
    rows_of_work, weight = work_points(frame, work_types)
    work = frame.loc[rows_of_work, ["project", "points", "created", "resolved", "done"]]
    # Up to the end of a week day: an item created or resolved on Sunday counts in that week.
    limits = (ends + pd.Timedelta(days=1)).to_numpy()
    created = work["created"].fillna(ends[0]).to_numpy()  # no creation date: in scope from the first week
    # Done without a resolution date (a workflow that sets none): done by the last week, as the table counts it.
    resolved = work["resolved"].where(work["done"]).where(~work["done"] | work["resolved"].notna(), ends[-1]) \
        .to_numpy()
    rows = []
    for project, index in work.groupby("project", observed=True, sort=True).indices.items():
        w = weight[index]
        unit = "points" if w.sum() > 0 else "issues"
        if unit == "issues":
            w = np.ones(len(index))
        scope = (w[None, :] * (created[index][None, :] < limits[:, None])).sum(axis=1)
        finished = resolved[index]
        done = (w[None, :] * (~np.isnat(finished)[None, :] & (finished[None, :] < limits[:, None]))).sum(axis=1)
        rows.append(pd.DataFrame({"project": str(project), "week": ends, "scope": scope, "done": done,
                                  "unit": unit}))
    if not rows:
        return pd.DataFrame(columns=["project", "week", "scope", "done", "unit"])
    return pd.concat(rows, ignore_index=True)

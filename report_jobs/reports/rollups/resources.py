"""Resource conflicts: people whose load across projects exceeds their capacity, week by week.

An open, assigned work item weighs on its assignee in the week it is due (items past due weigh on the current
week: they are still to be done). Load is counted in issues or story points (an item without points counts 1).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from config.reports import ResourceSettings


def weekly_load(frame: pd.DataFrame, today: date, settings: ResourceSettings) -> pd.DataFrame:
    """Person × week (Mondays): load, capacity, over, and the projects involved; the next ``weeks`` weeks."""
    monday = pd.Timestamp(today - timedelta(days=today.weekday()))
    last = monday + pd.Timedelta(weeks=settings.weeks)
    open_ = frame.loc[~frame["done"] & frame["assignee"].notna() & frame["due"].notna(),
                      ["assignee", "project", "due", "points"]]
    open_ = open_[open_["due"] < last]
    week = open_["due"].dt.to_period("W-SUN").dt.start_time
    weight = np.ones(len(open_)) if settings.measure == "issues" else open_["points"].fillna(1.0).to_numpy()
    items = pd.DataFrame({"person": open_["assignee"].astype(str).to_numpy(),
                          "week": week.where(week >= monday, monday).to_numpy(), "load": weight,
                          "project": open_["project"].astype(str).to_numpy()})
    load = items.groupby(["person", "week"], sort=True).agg(
        load=("load", "sum"), projects=("project", lambda p: sorted(set(p)))).reset_index()
    load["capacity"] = load["person"].map(settings.capacities).fillna(settings.capacity_per_week)
    load["over"] = (load["load"] - load["capacity"]).clip(lower=0)
    return load


def conflicts(load: pd.DataFrame) -> pd.DataFrame:
    """The person-weeks over capacity, the most overloaded first."""
    return load[load["over"] > 0].sort_values(["over", "person", "week"], ascending=[False, True, True]) \
        .reset_index(drop=True)

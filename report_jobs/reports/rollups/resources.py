"""Resource conflicts: people whose load across projects exceeds their capacity, week by week.

An open, assigned work item weighs on its assignee in the week it is due (items past due weigh on the current
week: they are still to be done). Load is counted in issues or story points (an item without points counts 1),
by the same function as the ``person_load`` rule's.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from config.reports import ResourceSettings
from rules.kinds._load import capacity_of, load_by_week

from .progress import WORK_TYPES


def weekly_load(frame: pd.DataFrame, today: date, settings: ResourceSettings,
                work_types: tuple[str, ...] = WORK_TYPES) -> pd.DataFrame:
    """Person × week (Mondays): load, capacity, over, and the projects involved; the next ``weeks`` weeks, over
    the work items (``work_types``: what the example standard's ``person_load`` rule scopes). The counting is
    the rule's own (``rules.kinds._load``)."""
    open_ = frame.loc[frame["type"].isin(work_types) & ~frame["done"] & frame["assignee"].notna()
                      & frame["due"].notna(), ["assignee", "project", "due", "points"]]
    weight = np.ones(len(open_)) if settings.measure == "issues" else open_["points"].fillna(1.0).to_numpy()
    items = zip(open_["assignee"].astype(str), open_["project"].astype(str),
                (d.date() for d in pd.DatetimeIndex(open_["due"])), weight.tolist(), strict=True)
    weeks = load_by_week(items, today, settings.weeks)
    rows = [(person, pd.Timestamp(week), entry.load, sorted(entry.projects),
             capacity_of(person, None, settings.capacities, settings.capacity_per_week))
            for (person, week), entry in sorted(weeks.items())]
    load = pd.DataFrame(rows, columns=["person", "week", "load", "projects", "capacity"])
    load["over"] = (load["load"] - load["capacity"]).clip(lower=0)
    return load


def conflicts(load: pd.DataFrame) -> pd.DataFrame:
    """The person-weeks over capacity, the most overloaded first."""
    return load[load["over"] > 0].sort_values(["over", "person", "week"], ascending=[False, True, True]) \
        .reset_index(drop=True)

"""A program's totals over its projects: story points (done of all) and money (budget, actual, forecast)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

MONEY = ("budget", "actual_cost", "forecast_cost")


def program_totals(progress: pd.DataFrame, budget: pd.DataFrame, program_of: Mapping[str, str]) -> pd.DataFrame:
    """Per program (index): points, done points, % of points done, and budget, actual cost and forecast summed
    over its projects (NaN where none of them has a figure). ``progress``: per project; ``budget``: per record."""
    programs = sorted(set(program_of.values()))
    by_program = progress["project"].astype(str).map(program_of)
    points = progress.groupby(by_program)[["points", "done_points"]].sum().reindex(programs, fill_value=0.0)
    money = budget.assign(program=budget["project"].astype(str).map(program_of)).groupby("program")[
        list(MONEY)].sum(min_count=1).reindex(programs)
    out = pd.concat([points, money], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pct_points"] = 100 * out["done_points"] / out["points"].where(out["points"] > 0)
    out.index.name = "program"
    return out

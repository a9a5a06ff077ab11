"""A program's figures over its projects: story points (done of all), money (budget, actual, forecast), and
its compliance score (its projects' scores weighted by their checks)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .compliance import program_compliance

MONEY = ("budget", "actual_cost", "forecast_cost")


def program_totals(progress: pd.DataFrame, budget: pd.DataFrame, program_of: Mapping[str, str],
                   compliance: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per program (index): points, done points, % of points done, budget, actual cost and forecast summed over
    its projects (NaN where none of them has a figure), and the compliance ``score`` (NaN without checks).
    ``progress``: per project; ``budget``: per record; ``compliance``: per project (``compliance_frame``)."""
    programs = sorted(set(program_of.values()))
    by_program = progress["project"].astype(str).map(program_of)
    points = progress.groupby(by_program)[["points", "done_points"]].sum().reindex(programs, fill_value=0.0)
    money = budget.assign(program=budget["project"].astype(str).map(program_of)).groupby("program")[
        list(MONEY)].sum(min_count=1).reindex(programs)
    out = pd.concat([points, money], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pct_points"] = 100 * out["done_points"] / out["points"].where(out["points"] > 0)
    scores = program_compliance(compliance) if compliance is not None and not compliance.empty else None
    out["score"] = scores.set_index("program")["score"].reindex(out.index) if scores is not None else np.nan
    out.index.name = "program"
    return out

"""Earned value per project and program, from the baseline dates, the progress and the cost fields.

With BAC the budget (budget at completion), the plan spread evenly over the baseline window:

- PV (planned value) = BAC × the share of the baseline window elapsed today;
- EV (earned value) = BAC × the share of the work done (by story points; by count where nothing is estimated);
- AC (actual cost) = the actual cost field;
- SV = EV − PV, CV = EV − AC, SPI = EV ÷ PV, CPI = EV ÷ AC;
- EAC (estimate at completion) = BAC ÷ CPI, ETC (to complete) = EAC − AC, VAC (variance at completion) = BAC − EAC.

A figure whose inputs are missing (no budget, no baseline, nothing spent yet) is left empty, never guessed. A
program's figures are its projects' sums, its indices the ratios of those sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    return (top / bottom.where(bottom > 0)).round(2)


def _derived(out: pd.DataFrame) -> pd.DataFrame:
    out["sv"] = out["ev"] - out["pv"]
    out["cv"] = out["ev"] - out["ac"]
    out["spi"] = _ratio(out["ev"], out["pv"])
    out["cpi"] = _ratio(out["ev"], out["ac"])
    # BAC ÷ CPI from the unrounded ratio (BAC × AC ÷ EV): the CPI shown is rounded to two places.
    out["eac"] = (out["bac"] * out["ac"] / out["ev"].where((out["ev"] > 0) & (out["ac"] > 0))).round(0)
    out["etc"] = out["eac"] - out["ac"]
    out["vac"] = out["bac"] - out["eac"]
    return out


def earned_value(budget: pd.DataFrame, schedule: pd.DataFrame, progress: pd.DataFrame) -> pd.DataFrame:
    """Per project: BAC, PV, EV, AC, SV, CV, SPI, CPI, EAC, ETC, VAC (``budget``, ``schedule``: the money
    roll-ups; ``progress``: the project level of the progress roll-up)."""
    money = budget.set_index("project")
    plan = schedule.set_index("project").reindex(money.index)
    work = progress.set_index("project").reindex(money.index)
    done = work["pct_points"].where(work["points"] > 0, work["pct_done"]) / 100
    bac = money["budget"].where(money["budget"] > 0)
    out = pd.DataFrame({"program": money["program"], "bac": bac,
                        "pv": (bac * plan["pct_time"] / 100).round(0), "ev": (bac * done).round(0),
                        "ac": money["actual_cost"]}, index=money.index)
    return _derived(out).reset_index()


def program_earned_value(per_project: pd.DataFrame) -> pd.DataFrame:
    """Per program: the sums of its projects' BAC, PV, EV, AC (the projects with every input), and the rest."""
    complete = per_project.dropna(subset=["bac", "pv", "ev", "ac"])
    sums = complete.groupby("program", observed=True)[["bac", "pv", "ev", "ac"]].sum()
    return _derived(sums.astype(float)).reset_index()


def below(value: object, amber: float, red: float) -> str | None:
    """An index's colour against its thresholds (smaller is worse), None when there is no index."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    number = float(value)  # type: ignore[arg-type]
    return "red" if number < red else "amber" if number < amber else "green"

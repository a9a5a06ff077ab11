"""Cost over time, where Jira's history has it: for each project whose record's actual cost has changed at least
once, the planned value, earned value and actual cost at the end of each week of the burn-up.

PV(week) = budget × the share of the baseline window elapsed by then; EV(week) = budget × done ÷ scope of the
burn-up that week (the roll-up the progress table and the burn-up share); AC(week) = the actual cost the record
held then: the value the last change before the week's end set, or, before the first change, the value that
change started from. A record whose actual cost never changed has no history to draw: today's figure alone is
on the earned-value table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from pmokit.records import Change

COLUMNS = ["project", "week", "pv", "ev", "ac"]


def _number(value: str | None) -> float | None:
    try:
        return float(str(value).replace(",", "")) if value not in (None, "") else None
    except ValueError:
        return None


def cost_changes(changes: Iterable[Change], field_ids: Iterable[str], project_of_record: Mapping[str, str]
                 ) -> pd.DataFrame:
    """The actual-cost changes of the project records: project, at (UTC), before, after."""
    wanted = {f.casefold() for f in field_ids if f}
    rows = [(project_of_record[c.issue_id], c.created, _number(c.from_string or c.from_value),
             _number(c.to_string or c.to_value))
            for c in changes if c.issue_id in project_of_record
            and ((c.field_id or "").casefold() in wanted or c.field.casefold() in wanted)]
    frame = pd.DataFrame(rows, columns=["project", "at", "before", "after"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values(["project", "at"], kind="stable")


def cost_over_time(burnup: pd.DataFrame, budget: pd.DataFrame, schedule: pd.DataFrame,
                   changes: pd.DataFrame) -> pd.DataFrame:
    """Project × week: pv, ev, ac (see the module), for the projects with actual-cost history."""
    if changes.empty or burnup.empty:
        return pd.DataFrame(columns=COLUMNS)
    bac_of: dict[str, Any] = dict(zip(budget["project"], budget["budget"], strict=True)) if not budget.empty else {}
    window: dict[str, tuple[Any, Any]] = {} if schedule.empty else dict(zip(
        schedule["project"], zip(schedule["baseline_start"], schedule["baseline_end"], strict=True), strict=True))
    out = []
    for project, history in changes.groupby("project", sort=True):
        weeks = burnup[burnup["project"] == project]
        if weeks.empty:
            continue
        ends = pd.to_datetime(weeks["week"]).dt.tz_localize("UTC") + pd.Timedelta(days=1)  # the end of Sunday
        at = history["at"].to_numpy()
        after = history["after"].to_numpy(dtype=float)
        last = np.searchsorted(at, ends.to_numpy(), side="right") - 1  # the last change before each week's end
        first_before = history["before"].iloc[0]
        ac = np.where(last >= 0, after[np.clip(last, 0, None)],
                      np.nan if first_before is None or pd.isna(first_before) else float(first_before))
        bac = float(bac_of[str(project)]) if pd.notna(bac_of.get(str(project))) else np.nan
        scope = weeks["scope"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            ev = bac * np.where(scope > 0, weeks["done"].to_numpy(dtype=float) / scope, 0.0)
        pv = np.full(len(weeks), np.nan)
        first, final = window.get(str(project), (None, None))
        if pd.notna(first) and pd.notna(final):
            start, end = pd.Timestamp(first).tz_localize(None), pd.Timestamp(final).tz_localize(None)
            span = max((end - start).days, 1)
            elapsed = np.array([(pd.Timestamp(w).tz_localize(None) + pd.Timedelta(days=1) - start).days
                                for w in weeks["week"]], dtype=float)
            pv = bac * np.clip(elapsed / span, 0.0, 1.0)
        out.append(pd.DataFrame({"project": project, "week": weeks["week"].to_numpy(), "pv": pv, "ev": ev,
                                 "ac": ac}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=COLUMNS)

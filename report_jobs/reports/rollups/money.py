"""Budget against actual cost and forecast, schedule variance against the baseline, and receivables."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .grouping import codes_of, sums_by
from .progress import progress_levels


def _records(frame: pd.DataFrame, record_type: str, columns: list[str]) -> pd.DataFrame:
    """The project records (one per project), with only ``columns``: selecting first keeps the copy small."""
    return frame.loc[frame["type"] == record_type, ["project", *columns]].drop_duplicates("project") \
        .set_index("project")


def budget(frame: pd.DataFrame, *, record_type: str = "Project") -> pd.DataFrame:
    """Per project (its record): budget, actual, forecast, % spent, forecast variance (amount and %)."""
    r = _records(frame, record_type, ["program", "budget", "actual_cost", "forecast_cost"])
    out = r[["program", "budget", "actual_cost", "forecast_cost"]].copy()
    out["pct_spent"] = (100 * out["actual_cost"] / out["budget"].where(out["budget"] > 0)).round(1)
    out["forecast_variance"] = out["forecast_cost"] - out["budget"]
    out["forecast_variance_pct"] = (100 * out["forecast_variance"] / out["budget"].where(out["budget"] > 0)).round(1)
    return out.sort_index().reset_index()


def schedule_variance(frame: pd.DataFrame, today: date, *, record_type: str = "Project",
                      progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per project: baseline window, % of it elapsed, % of work done, and the difference (positive: ahead).
    Work done is counted as earned value counts it: by story points where the project's work is estimated, by
    count where nothing is (``progress``: the project level of the progress roll-up, computed here if None)."""
    r = _records(frame, record_type, ["baseline_start", "baseline_end"])
    if progress is None:
        progress = progress_levels(frame, ("project",))["project"]
    work = progress.set_index("project")
    done = work["pct_points"].where(work["points"] > 0, work["pct_done"])
    span = (r["baseline_end"] - r["baseline_start"]).dt.days
    elapsed = (pd.Timestamp(today) - r["baseline_start"]).dt.days
    out = r[["baseline_start", "baseline_end"]].copy()
    out["pct_time"] = (100 * elapsed.clip(lower=0) / span.where(span > 0)).clip(upper=100).round(1)
    out["pct_done"] = done.reindex(out.index).round(1)
    out["variance_pct"] = (out["pct_done"] - out["pct_time"]).round(1)
    return out.sort_index().reset_index()


def receivables(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per project: payment milestones' amounts invoiced, paid, not invoiced, and overdue (due, not paid)."""
    amount = frame["payment_amount"].to_numpy(dtype=float)
    rows = ~np.isnan(amount)
    amount = amount[rows]
    status = np.array([s.casefold() if isinstance(s, str) else "" for s in frame["payment_status"].to_numpy()[rows]])
    due = frame["due"].to_numpy()[rows]
    paid, invoiced = status == "paid", status == "invoiced"
    overdue = ~paid & ~np.isnat(due) & (due < np.datetime64(today))
    codes, projects = codes_of(frame["project"])
    out = sums_by(codes[rows], projects, {
        "total": amount, "invoiced": np.where(invoiced, amount, 0.0), "paid": np.where(paid, amount, 0.0),
        "not_invoiced": np.where(~paid & ~invoiced, amount, 0.0), "overdue": np.where(overdue, amount, 0.0)})
    return out.rename_axis("project").reset_index()

"""Budget against actual cost and forecast, schedule variance against the baseline, and receivables."""

from __future__ import annotations

from datetime import date

import pandas as pd


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


def schedule_variance(frame: pd.DataFrame, today: date, *, record_type: str = "Project") -> pd.DataFrame:
    """Per project: baseline window, % of it elapsed, % of work done, and the difference (positive: ahead)."""
    r = _records(frame, record_type, ["baseline_start", "baseline_end"])
    work = frame.loc[frame["type"].isin(("Story", "Task", "Bug")), ["project", "done"]]
    done = work.groupby("project", observed=True)["done"].mean() * 100
    span = (r["baseline_end"] - r["baseline_start"]).dt.days
    elapsed = (pd.Timestamp(today) - r["baseline_start"]).dt.days
    out = r[["baseline_start", "baseline_end"]].copy()
    out["pct_time"] = (100 * elapsed.clip(lower=0) / span.where(span > 0)).clip(upper=100).round(1)
    out["pct_done"] = done.reindex(out.index).round(1)
    out["variance_pct"] = (out["pct_done"] - out["pct_time"]).round(1)
    return out.sort_index().reset_index()


def receivables(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per project: payment milestones' amounts invoiced, paid, not invoiced, and overdue (due, not paid)."""
    p = frame.loc[frame["payment_amount"].notna(), ["project", "payment_amount", "payment_status", "due"]].copy()
    status = p["payment_status"].fillna("").str.casefold()
    p["paid"] = p["payment_amount"].where(status == "paid", 0.0)
    p["invoiced"] = p["payment_amount"].where(status == "invoiced", 0.0)
    p["not_invoiced"] = p["payment_amount"].where(~status.isin(["paid", "invoiced"]), 0.0)
    p["overdue"] = p["payment_amount"].where((status != "paid") & p["due"].notna()
                                             & (p["due"] < pd.Timestamp(today)), 0.0)
    amounts = ["payment_amount", "invoiced", "paid", "not_invoiced", "overdue"]
    out = p.groupby("project", sort=True, observed=True)[amounts].sum()
    return out.rename(columns={"payment_amount": "total"}).reset_index()

"""Milestones per project: % complete, the next one due, and slippage measured from the changelog."""

from __future__ import annotations

from datetime import date

import pandas as pd


def due_changes_frame(changes) -> pd.DataFrame:
    """The due-date changes of a changelog (``pmokit.records.Change`` items): issue id, when, from, to."""
    rows = [(c.issue_id, c.created, c.from_value or c.from_string, c.to_value or c.to_string) for c in changes
            if c.field.casefold() in ("duedate", "due date")]
    frame = pd.DataFrame.from_records(rows, columns=["issue_id", "at", "from", "to"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["from"] = pd.to_datetime(frame["from"].str[:10], errors="coerce")
    frame["to"] = pd.to_datetime(frame["to"].str[:10], errors="coerce")
    return frame


def slippage(frame: pd.DataFrame, due_changes: pd.DataFrame, key_of_id: dict[str, str]) -> pd.Series:
    """Days the due date moved from its first value (the oldest change's "from") to now, for the issues whose
    due date ever changed (keyed by issue key; every other issue slipped 0 days)."""
    if due_changes.empty:
        return pd.Series(dtype="int64", name="slipped_days")
    first = due_changes.sort_values("at").groupby("issue_id")["from"].first()
    first.index = first.index.map(key_of_id)
    changed = frame.loc[frame["key"].isin(first.index), ["key", "due"]].set_index("key")["due"]
    days = (changed - first.reindex(changed.index)).dt.days
    return days.fillna(0).astype("int64").rename("slipped_days")


def milestones(frame: pd.DataFrame, slipped: pd.Series, today: date, *,
               milestone_type: str = "Milestone") -> pd.DataFrame:
    """Per project: milestones, done, % complete, overdue, the next due (key and date), worst and total slip."""
    m = frame.loc[frame["type"] == milestone_type, ["key", "project", "done", "due"]].copy()
    m["slipped_days"] = m["key"].map(slipped).fillna(0).astype("int64").to_numpy()
    today_ts = pd.Timestamp(today)
    m["overdue"] = ~m["done"] & m["due"].notna() & (m["due"] < today_ts)
    open_ = m[~m["done"] & m["due"].notna()]
    # The earliest open milestone of each project (idxmin: no sort of the whole set).
    following = open_.loc[open_.groupby("project", observed=True)["due"].idxmin()].set_index("project")[
        ["key", "due"]]
    out = m.groupby("project", sort=True, observed=True).agg(milestones=("key", "size"), done=("done", "sum"),
                                                overdue=("overdue", "sum"), max_slip_days=("slipped_days", "max"),
                                                slip_days=("slipped_days", "sum"))
    out["pct_complete"] = (100 * out["done"] / out["milestones"]).round(1)
    out["next_key"] = following["key"].reindex(out.index)
    out["next_due"] = following["due"].reindex(out.index)
    return out.reset_index()

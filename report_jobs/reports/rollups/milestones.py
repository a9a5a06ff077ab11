"""Milestones per project: % complete, the next one due, and slippage measured from the changelog."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from pmokit.records import Change

from .grouping import codes_of, first_by, sums_by


def due_changes_frame(changes: Iterable[Change]) -> pd.DataFrame:
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
    mine = (frame["type"] == milestone_type).to_numpy()
    codes, projects = codes_of(frame["project"])
    codes = codes[mine]
    keys = frame["key"].to_numpy()[mine]
    done = frame["done"].to_numpy(dtype=bool)[mine]
    due = frame["due"].to_numpy()[mine]
    slip = (pd.Series(keys).map(slipped).fillna(0).to_numpy(dtype=float) if len(slipped)
            else np.zeros(len(keys)))
    overdue = ~done & ~np.isnat(due) & (due < np.datetime64(today))
    out = sums_by(codes, projects, {"milestones": np.ones(len(keys)), "done": done.astype(float),
                                    "overdue": overdue.astype(float), "slip_days": slip},
                  maxima={"max_slip_days": slip})
    for column in ("milestones", "done", "overdue", "max_slip_days", "slip_days"):
        out[column] = out[column].astype("int64")
    out["pct_complete"] = (100 * out["done"] / out["milestones"]).round(1)
    # The earliest open milestone of each project.
    open_ = ~done & ~np.isnat(due)
    found, rows = first_by(codes[open_], due[open_].astype("datetime64[D]").astype("int64"))
    following = pd.DataFrame({"next_key": keys[open_][rows], "next_due": due[open_][rows]},
                             index=pd.Index(projects[found].astype(object)))
    out = out.join(following)
    return out.rename_axis("project").reset_index()[
        ["project", "milestones", "done", "overdue", "max_slip_days", "slip_days", "pct_complete", "next_key",
         "next_due"]]

"""The risk register: open risks scored probability × impact, a 5 × 5 heat map, the top risks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def open_risks(frame: pd.DataFrame, *, risk_type: str = "Risk") -> pd.DataFrame:
    """Open risks with their score (probability × impact; NaN while unassessed), in the frame's order."""
    r = frame.loc[(frame["type"] == risk_type) & ~frame["done"],
                  ["key", "summary", "project", "status", "probability", "impact", "assignee"]].copy()
    r["score"] = r["probability"] * r["impact"]
    return r


def heat_map(risks: pd.DataFrame) -> pd.DataFrame:
    """Counts of open risks by impact (rows, 5 at the top) and probability (columns 1..5); unassessed left out."""
    probability = risks["probability"].to_numpy(dtype=float)
    impact = risks["impact"].to_numpy(dtype=float)
    on_scale = (probability >= 1) & (probability <= 5) & (impact >= 1) & (impact <= 5)  # NaN is not
    counts = np.zeros((5, 5), dtype="int64")
    np.add.at(counts, (5 - impact[on_scale].astype(int), probability[on_scale].astype(int) - 1), 1)
    return pd.DataFrame(counts, index=pd.Index([5, 4, 3, 2, 1], name="impact"),
                        columns=pd.Index([1, 2, 3, 4, 5], name="probability"))


def risks_by_project(risks: pd.DataFrame) -> pd.DataFrame:
    """Per project (index): open risks, the worst score, and how many are not assessed yet."""
    return risks.assign(project=risks["project"].astype(str)).groupby("project").agg(
        open=("key", "size"), worst=("score", "max"), unassessed=("score", lambda s: int(s.isna().sum())))


def top_risks(risks: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` highest scores (ties by key): the few candidates are sorted, not the whole register."""
    candidates = risks.dropna(subset=["score"]).nlargest(n, "score", keep="all")
    top = candidates.assign(key=candidates["key"].astype(str)).sort_values(["score", "key"], ascending=[False, True])
    return top.head(n)[["key", "summary", "project", "status", "probability", "impact", "score", "assignee"]] \
        .reset_index(drop=True)

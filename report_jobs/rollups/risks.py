"""The risk register: open risks scored probability × impact, a 5 × 5 heat map, the top risks."""

from __future__ import annotations

import pandas as pd


def open_risks(frame: pd.DataFrame, *, risk_type: str = "Risk") -> pd.DataFrame:
    r = frame.loc[(frame["type"] == risk_type) & ~frame["done"],
                  ["key", "project", "status", "probability", "impact", "assignee"]].copy()
    r["score"] = r["probability"] * r["impact"]
    return r.sort_values(["score", "key"], ascending=[False, True], na_position="last")


def heat_map(risks: pd.DataFrame) -> pd.DataFrame:
    """Counts of open risks by impact (rows, 5 at the top) and probability (columns 1..5); unassessed left out."""
    assessed = risks.dropna(subset=["probability", "impact"])
    grid = pd.crosstab(assessed["impact"].astype(int), assessed["probability"].astype(int))
    return grid.reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5], fill_value=0)


def top_risks(risks: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    return risks.dropna(subset=["score"]).head(n)[["key", "project", "status", "probability", "impact", "score",
                                                   "assignee"]].reset_index(drop=True)

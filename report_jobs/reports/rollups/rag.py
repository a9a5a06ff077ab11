"""A RAG status per project in which every colour carries the indicators that set it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from config.language import Words
from config.reports import RagThresholds, Threshold

GREEN, AMBER, RED = "green", "amber", "red"


COLOURS = np.array([GREEN, AMBER, RED])


def _levels(v: np.ndarray, threshold: Threshold, *, below: bool = False) -> np.ndarray:
    """The rank of each value's colour (0 green, 1 amber, 2 red): past ``red`` red, past ``amber`` amber
    (``below``: smaller is worse)."""
    red = v < threshold.red if below else v >= threshold.red
    amber = v < threshold.amber if below else v >= threshold.amber
    return np.where(red, 2, np.where(amber, 1, 0))  # NaN compares False: no value, no colour


TEXTS = {
    "schedule": ("work done trails time elapsed by {v:.0f} points", "进度落后 {v:.0f} 个百分点"),
    "milestones": ("{v:.0f} milestone(s) overdue", "{v:.0f} 个里程碑逾期"),
    "slippage": ("a milestone slipped {v:.0f} days", "里程碑延期 {v:.0f} 天"),
    "budget": ("forecast {v:.0f}% over budget", "预测超预算 {v:.0f}%"),
    "spent": ("already spent {v:.0f}% more than the budget", "实际成本已超预算 {v:.0f}%"),
    "cpi": ("cost performance index {v:.2f}", "成本绩效指数 {v:.2f}"),
    "compliance": ("compliance score {v:.0f}", "合规得分 {v:.0f}"),
    "risk": ("an open risk scores {v:.0f}", "最高风险值 {v:.0f}"),
}
ALL_FINE = ("every indicator within its thresholds", "所有指标正常")


def colour_counts(colours: Iterable[str]) -> list[tuple[str, int]]:
    """How many projects have each colour, worst first, the colours nobody has left out."""
    counts = Counter(colours)
    return [(colour, counts[colour]) for colour in (RED, AMBER, GREEN) if counts[colour]]


EARLY_SHARE = 0.10  # CPI counts once a tenth of the work is earned: before, a little spending swings it wildly


def _telling_cpi(earned: pd.DataFrame | None, index: pd.Index) -> pd.Series:
    """Each project's CPI where it says something: once EV is at least a tenth of the budget."""
    if earned is None:
        return pd.Series(np.nan, index=index)
    e = earned.set_index("project").reindex(index)
    return e["cpi"].where(e["ev"] >= EARLY_SHARE * e["bac"])


def rag(projects: list[str], *, schedule: pd.DataFrame, milestones: pd.DataFrame, budget: pd.DataFrame,
        risks: pd.DataFrame, compliance: dict[str, float], thresholds: RagThresholds,
        language: str = "en", earned: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per project: the colour, the reasons (each indicator at that colour, with its value), every indicator."""
    t = Words(language)
    index = pd.Index(projects, name="project")
    values = pd.DataFrame({
        "schedule": -schedule.set_index("project")["variance_pct"].reindex(index),
        "milestones": milestones.set_index("project")["overdue"].reindex(index).astype(float),
        "slippage": milestones.set_index("project")["max_slip_days"].reindex(index).astype(float),
        "budget": budget.set_index("project")["forecast_variance_pct"].reindex(index),
        "spent": (budget.set_index("project")["pct_spent"] - 100).reindex(index),
        "cpi": _telling_cpi(earned, index),
        "compliance": pd.Series(compliance, dtype=float).reindex(index),
        "risk": risks.groupby("project", observed=True)["score"].max().reindex(index).astype(float),
    }, index=index)
    limits = {"schedule": (thresholds.schedule_behind_pct, False), "milestones": (thresholds.milestones_overdue, False),
              "slippage": (thresholds.milestone_slip_days, False), "budget": (thresholds.budget_overrun_pct, False),
              "spent": (thresholds.budget_overrun_pct, False), "cpi": (thresholds.cost_performance_index, True),
              "compliance": (thresholds.compliance_score, True), "risk": (thresholds.risk_score, False)}
    names = list(TEXTS)
    figures = values[names].to_numpy(dtype=float)  # project x indicator, as numbers: no per-cell lookups
    ranks = np.zeros((len(projects), len(names)), dtype=int)
    for j, name in enumerate(names):
        limit, below = limits[name]
        ranks[:, j] = _levels(figures[:, j], limit, below=below)
    worst = ranks.max(axis=1, initial=0)
    texts = {name: t(*TEXTS[name]) for name in names}
    reasons = [[texts[name].format(v=figures[i, j]) for j, name in enumerate(names) if ranks[i, j] == worst[i]]
               if worst[i] else [t(*ALL_FINE)] for i in range(len(projects))]  # only the indicators at its colour
    columns: dict[str, object] = {"project": projects, "rag": COLOURS[worst], "reasons": reasons}
    for j, name in enumerate(names):
        columns[f"{name}_value"] = figures[:, j]
        columns[f"{name}_rag"] = COLOURS[ranks[:, j]]
    return pd.DataFrame(columns)


def reasons_in(status: pd.DataFrame, language: str) -> list[list[str]]:
    """The reasons of a :func:`rag` frame again, in ``language`` (a report in another language than the
    configuration's), from the indicators' values and colours it keeps."""
    t = Words(language)
    out = []
    for row in status.to_dict("records"):
        if row["rag"] == GREEN:
            out.append([t(*ALL_FINE)])
            continue
        out.append([t(*TEXTS[name]).format(v=row[f"{name}_value"]) for name in TEXTS
                    if row.get(f"{name}_rag") == row["rag"]])
    return out

"""A RAG status per project in which every colour carries the indicators that set it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config_section import RagThresholds, Threshold

GREEN, AMBER, RED = "green", "amber", "red"
ORDER = {GREEN: 0, AMBER: 1, RED: 2}


def _levels(values: pd.Series, threshold: Threshold, *, below: bool = False) -> np.ndarray:
    """The colour of each value: past ``red`` red, past ``amber`` amber (``below``: smaller is worse)."""
    v = values.to_numpy(dtype=float)
    red = v < threshold.red if below else v >= threshold.red
    amber = v < threshold.amber if below else v >= threshold.amber
    return np.where(red, RED, np.where(amber, AMBER, GREEN))  # NaN compares False: no value, no colour


TEXTS = {
    "schedule": ("work done trails time elapsed by {v:.0f} points", "进度落后 {v:.0f} 个百分点"),
    "milestones": ("{v:.0f} milestone(s) overdue", "{v:.0f} 个里程碑逾期"),
    "slippage": ("a milestone slipped {v:.0f} days", "里程碑延期 {v:.0f} 天"),
    "budget": ("forecast {v:.0f}% over budget", "预测超预算 {v:.0f}%"),
    "compliance": ("compliance score {v:.0f}", "合规得分 {v:.0f}"),
    "risk": ("an open risk scores {v:.0f}", "最高风险值 {v:.0f}"),
}


def rag(projects: list[str], *, schedule: pd.DataFrame, milestones: pd.DataFrame, budget: pd.DataFrame,
        risks: pd.DataFrame, compliance: dict[str, float], thresholds: RagThresholds,
        language: str = "en") -> pd.DataFrame:
    """Per project: the colour, the reasons (each indicator at that colour, with its value), every indicator."""
    zh = language == "zh"
    index = pd.Index(projects, name="project")
    values = pd.DataFrame({
        "schedule": -schedule.set_index("project")["variance_pct"].reindex(index),
        "milestones": milestones.set_index("project")["overdue"].reindex(index).astype(float),
        "slippage": milestones.set_index("project")["max_slip_days"].reindex(index).astype(float),
        "budget": budget.set_index("project")["forecast_variance_pct"].reindex(index),
        "compliance": pd.Series(compliance, dtype=float).reindex(index),
        "risk": risks.groupby("project", observed=True)["score"].max().reindex(index).astype(float),
    }, index=index)
    limits = {"schedule": (thresholds.schedule_behind_pct, False), "milestones": (thresholds.milestones_overdue, False),
              "slippage": (thresholds.milestone_slip_days, False), "budget": (thresholds.budget_overrun_pct, False),
              "compliance": (thresholds.compliance_score, True), "risk": (thresholds.risk_score, False)}
    levels = pd.DataFrame({name: _levels(values[name], limit, below=below) for name, (limit, below) in limits.items()},
                          index=index)
    rank = levels.replace(ORDER).astype(int)
    colour = rank.max(axis=1).map({v: k for k, v in ORDER.items()})
    reasons = []
    for project in projects:  # text only for the indicators at the project's colour
        worst = colour[project]
        if worst == GREEN:
            reasons.append(["所有指标正常" if zh else "every indicator within its thresholds"])
            continue
        reasons.append([TEXTS[name][zh].format(v=values.at[project, name]) for name in TEXTS
                        if levels.at[project, name] == worst])
    out = pd.DataFrame({"project": projects, "rag": colour.to_numpy(), "reasons": reasons})
    for name in TEXTS:
        out[f"{name}_value"] = values[name].to_numpy()
        out[f"{name}_rag"] = levels[name].to_numpy()
    return out

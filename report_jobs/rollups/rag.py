"""A RAG status per project in which every colour carries the indicators that set it."""

from __future__ import annotations

import pandas as pd

from ..config_section import RagThresholds, Threshold

GREEN, AMBER, RED = "green", "amber", "red"
ORDER = {GREEN: 0, AMBER: 1, RED: 2}


def _level(value: float | None, threshold: Threshold, *, below: bool = False) -> str:
    """The colour of a value: past ``red`` red, past ``amber`` amber (``below``: smaller is worse)."""
    if value is None or pd.isna(value):
        return GREEN
    if below:
        return RED if value < threshold.red else AMBER if value < threshold.amber else GREEN
    return RED if value >= threshold.red else AMBER if value >= threshold.amber else GREEN


def rag(projects: list[str], *, schedule: pd.DataFrame, milestones: pd.DataFrame, budget: pd.DataFrame,
        risks: pd.DataFrame, compliance: dict[str, float], thresholds: RagThresholds,
        language: str = "en") -> pd.DataFrame:
    """Per project: the colour, the reasons (each indicator at that colour, with its value), every indicator."""
    zh = language == "zh"
    schedule = schedule.set_index("project")
    milestones = milestones.set_index("project")
    budget = budget.set_index("project")
    worst_risk = risks.groupby("project", observed=True)["score"].max()
    rows = []
    for project in projects:
        behind = -schedule["variance_pct"].get(project) if project in schedule.index else None
        overdue = milestones["overdue"].get(project) if project in milestones.index else None
        slip = milestones["max_slip_days"].get(project) if project in milestones.index else None
        overrun = budget["forecast_variance_pct"].get(project) if project in budget.index else None
        score = compliance.get(project)
        risk = worst_risk.get(project)
        # (name, value, colour, text); the text is written only for an indicator past a threshold.
        measured = [
            ("schedule", behind, _level(behind, thresholds.schedule_behind_pct),
             lambda v: f"进度落后 {v:.0f} 个百分点" if zh else f"work done trails time elapsed by {v:.0f} points"),
            ("milestones", overdue, _level(overdue, thresholds.milestones_overdue),
             lambda v: f"{v:.0f} 个里程碑逾期" if zh else f"{v:.0f} milestone(s) overdue"),
            ("slippage", slip, _level(slip, thresholds.milestone_slip_days),
             lambda v: f"里程碑延期 {v:.0f} 天" if zh else f"a milestone slipped {v:.0f} days"),
            ("budget", overrun, _level(overrun, thresholds.budget_overrun_pct),
             lambda v: f"预测超预算 {v:.0f}%" if zh else f"forecast {v:.0f}% over budget"),
            ("compliance", score, _level(score, thresholds.compliance_score, below=True),
             lambda v: f"合规得分 {v:.0f}" if zh else f"compliance score {v:.0f}"),
            ("risk", risk, _level(risk, thresholds.risk_score),
             lambda v: f"最高风险值 {v:.0f}" if zh else f"an open risk scores {v:.0f}"),
        ]
        indicators = [(name, value, level, text(value) if level != GREEN else "")
                      for name, value, level, text in measured]
        colour = max((level for _, _, level, _ in indicators), key=ORDER.__getitem__)
        reasons = [text for _, value, level, text in indicators if level == colour and colour != GREEN]
        if colour == GREEN:
            reasons = ["所有指标正常" if zh else "every indicator within its thresholds"]
        rows.append({"project": project, "rag": colour, "reasons": reasons,
                     **{f"{name}_value": value for name, value, _, _ in indicators},
                     **{f"{name}_rag": level for name, _, level, _ in indicators}})
    return pd.DataFrame(rows)

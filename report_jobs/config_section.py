"""The ``reports`` section of the configuration: the thresholds behind every RAG colour."""

from __future__ import annotations

from pydantic import Field

from config.models import Frozen
from config.registry import register_section


class Threshold(Frozen):
    """An indicator is amber past ``amber`` and red past ``red`` (in the indicator's own direction)."""

    amber: float
    red: float


class RagThresholds(Frozen):
    schedule_behind_pct: Threshold = Field(Threshold(amber=10, red=25), description=(
        "percentage points by which % of work done trails % of the baseline window elapsed"))
    milestones_overdue: Threshold = Field(Threshold(amber=1, red=2), description="open milestones past their date")
    milestone_slip_days: Threshold = Field(Threshold(amber=14, red=30), description=(
        "the largest move of a milestone's due date, from the changelog"))
    budget_overrun_pct: Threshold = Field(Threshold(amber=5, red=15), description="forecast over budget, in %")
    compliance_score: Threshold = Field(Threshold(amber=85, red=70), description="below this compliance score")
    risk_score: Threshold = Field(Threshold(amber=12, red=20), description="an open risk's probability × impact")


class ResourceSettings(Frozen):
    measure: str = Field("story_points", description="issues | story_points: what a person's weekly load counts")
    capacity_per_week: float = Field(20, gt=0, description="the load a person can carry in a week")
    capacities: dict[str, float] = Field(default_factory=dict, description="per person (display name or id)")
    weeks: int = Field(8, ge=1, le=52, description="how many weeks ahead the resource view looks")


class ReportSettings(Frozen):
    rag: RagThresholds = RagThresholds()
    resources: ResourceSettings = ResourceSettings()


register_section("reports", ReportSettings, default=ReportSettings(),
                 description="Portfolio reports: the thresholds of the RAG status")

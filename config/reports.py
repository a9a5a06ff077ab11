"""The ``reports`` section: the thresholds behind every RAG colour, resource capacity, and the named reports
(which pages each publishes, where, in which language)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat

from .base import Frozen

PageKind = Literal["portfolio", "programs", "projects", "risks", "resources", "trends"]
PAGE_KINDS: tuple[PageKind, ...] = ("portfolio", "programs", "projects", "risks", "resources", "trends")


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
    budget_overrun_pct: Threshold = Field(Threshold(amber=5, red=15), description=(
        "over budget, in %: the forecast, and the actual cost already spent (whichever is worse)"))
    cost_performance_index: Threshold = Field(Threshold(amber=0.9, red=0.8), description=(
        "below this CPI (earned value ÷ actual cost): each unit spent earned less than a unit of planned work"))
    schedule_performance_index: Threshold = Field(Threshold(amber=0.9, red=0.8), description=(
        "below this SPI (earned value ÷ planned value); shown on the earned-value tables (the RAG's schedule "
        "indicator already measures the same lag)"))
    compliance_score: Threshold = Field(Threshold(amber=85, red=70), description="below this compliance score")
    risk_score: Threshold = Field(Threshold(amber=12, red=20), description="an open risk's probability × impact")


class ResourceSettings(Frozen):
    measure: str = Field("story_points", description="issues | story_points: what a person's weekly load counts")
    capacity_per_week: float = Field(20, gt=0, description="the load a person can carry in a week")
    capacities: dict[str, PositiveFloat] = Field(default_factory=dict,
                                                 description="per person (display name or id), above 0")
    weeks: int = Field(8, ge=1, le=52, description="how many weeks ahead the resource view looks")


class ReportDefinition(Frozen):
    """One named report: a tree of pages under one Confluence page, published together."""

    title: str | None = Field(None, description="the top page's title (default: the portfolio's name)")
    pages: list[PageKind] = Field(list(PAGE_KINDS), min_length=1, description=(
        "which pages: portfolio (the top page), programs, projects (one page each), risks, resources, trends"))
    programs: list[str] = Field(default_factory=list, description="only these programs (default: all)")
    language: Literal["en", "zh"] | None = Field(None, description="default: the configuration's language")
    parent_page: str | None = Field(None, description="title of the page to publish under (default: "
                                                      "confluence.parent_page)")
    charts: bool = Field(True, description="PNG charts attached to the pages (burn-up, RAG history, heat map, "
                                           "resource load)")
    workbook: bool = Field(True, description=(
        "the report's tables as an Excel workbook attached to the portfolio page (uploaded when it changes)"))


class ReportSettings(Frozen):
    history_periods: int = Field(12, ge=0, le=104, description=(
        "reporting periods (ISO weeks) before this one that the trends show from the first run: those with no "
        "snapshot are rebuilt once from Jira's changelog and marked as reconstructed (0: history starts with "
        "the first run)"))
    chart_processes: int | None = Field(None, ge=0, le=64, description=(
        "processes that draw a report's charts (0 or 1: the report's own process; default: one per 6 charts to "
        "draw, up to the machine's cores); charts whose data did not change are not drawn again"))
    rag: RagThresholds = RagThresholds()
    resources: ResourceSettings = ResourceSettings()
    definitions: dict[str, ReportDefinition] = Field(
        default_factory=lambda: {"portfolio": ReportDefinition()},
        description="named reports for `pmokit report NAME` and `schedule.reports` (default: one, 'portfolio')")

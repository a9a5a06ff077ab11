"""From the store's facts and the rule results to every roll-up of the portfolio (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from config.models import Settings
from rules.engine import compliance as project_compliance
from rules.facts import Facts
from rules.results import Compliance, Result
from rules.units import JIRA_PROJECT, governed

from .rollups.compliance import compliance_gaps, compliance_table, gate_states
from .rollups.earned_value import earned_value, program_earned_value
from .rollups.frame import issues_frame
from .rollups.history import period_of
from .rollups.milestones import due_changes_frame, milestones, slippage
from .rollups.money import budget, receivables, schedule_variance
from .rollups.programs import program_totals
from .rollups.progress import progress_levels
from .rollups.rag import rag
from .rollups.resources import conflicts, weekly_load
from .rollups.risks import heat_map, open_risks, risks_by_project, top_risks


@dataclass
class Portfolio:
    period: str
    frame: pd.DataFrame
    progress: dict[str, pd.DataFrame]
    milestones: pd.DataFrame
    budget: pd.DataFrame
    schedule: pd.DataFrame
    receivables: pd.DataFrame
    risks: pd.DataFrame
    heat_map: pd.DataFrame
    top_risks: pd.DataFrame
    risks_by_project: pd.DataFrame
    load: pd.DataFrame
    conflicts: pd.DataFrame
    programs: pd.DataFrame  # per program: points, money and compliance over its projects
    compliance: pd.DataFrame
    gates: pd.DataFrame
    rag: pd.DataFrame
    earned: pd.DataFrame  # per project: earned value (rollups.earned_value)
    program_earned: pd.DataFrame  # per program
    slipped: pd.Series  # milestone key -> days its due date moved (only those that moved)
    gaps: pd.DataFrame  # every compliance gap: project, issue, rule, severity, message, fix


def portfolio_projects(facts: Facts, frame: pd.DataFrame, settings: Settings) -> list[str]:
    """The projects the portfolio rates: its Jira projects (those with issues), or with epics or an issue type
    as the unit, the records in them."""
    portfolio = settings.portfolio
    if portfolio.project_unit != JIRA_PROJECT:
        return governed(facts.issues.values(), portfolio.project_unit, portfolio.record_issue_type,
                        portfolio.project_keys)
    return sorted(set(frame["project"].astype(str)) & set(portfolio.project_keys)) or \
        sorted(frame["project"].astype(str).unique())


@dataclass
class _Status:
    """What the colours are computed from, and the colours."""

    frame: pd.DataFrame
    slipped: pd.Series
    milestones: pd.DataFrame
    progress: dict[str, pd.DataFrame]
    budget: pd.DataFrame
    schedule: pd.DataFrame
    risks: pd.DataFrame
    by_project: dict[str, Compliance]
    compliance: pd.DataFrame
    earned: pd.DataFrame
    rag: pd.DataFrame


def _status(facts: Facts, results: Iterable[Result], settings: Settings, today: date) -> _Status:
    record_type = settings.portfolio.record_issue_type
    frame = issues_frame(facts.issues.values(), facts.program_of)
    key_of = {issue.id: issue.key for issue in facts.issues.values()}
    changes = due_changes_frame(c for history in facts.changes.values() for c in history)
    slipped = slippage(frame, changes, key_of)
    stones = milestones(frame, slipped, today)
    progress = progress_levels(frame)
    money = budget(frame, record_type=record_type)
    schedule = schedule_variance(frame, today, record_type=record_type, progress=progress["project"])
    risks = open_risks(frame)
    by_project = project_compliance(results)
    scores = compliance_table(by_project, facts.program_of)
    earned = earned_value(money, schedule, progress["project"])
    status = rag(portfolio_projects(facts, frame, settings), schedule=schedule, milestones=stones, budget=money,
                 risks=risks, compliance=dict(zip(scores["project"], scores["score"], strict=True)),
                 thresholds=settings.reports.rag, language=settings.language, earned=earned)
    return _Status(frame, slipped, stones, progress, money, schedule, risks, by_project, scores, earned, status)


def status_of(facts: Facts, results: Iterable[Result], settings: Settings, today: date) -> pd.DataFrame:
    """The portfolio's colours as of ``today`` and every indicator behind them (the ``rag`` frame of
    :func:`build`), without the roll-ups only the pages show: what a period's snapshot keeps."""
    return _status(facts, results, settings, today).rag


def build(facts: Facts, results: Iterable[Result], settings: Settings, today: date) -> Portfolio:
    """Every roll-up of the portfolio as of ``today`` (``results``: the rule evaluation of its issues)."""
    every = list(results)
    s = _status(facts, every, settings, today)
    program_of = {**settings.portfolio.program_of, **facts.program_of}  # with epics: each epic's program
    load = weekly_load(s.frame, today, settings.reports.resources)
    return Portfolio(period_of(today), s.frame, s.progress, s.milestones, s.budget, s.schedule,
                     receivables(s.frame, today), s.risks, heat_map(s.risks), top_risks(s.risks),
                     risks_by_project(s.risks), load, conflicts(load),
                     program_totals(s.progress["project"], s.budget, program_of, s.compliance), s.compliance,
                     gate_states(every), s.rag, s.earned, program_earned_value(s.earned), s.slipped,
                     compliance_gaps(s.by_project))

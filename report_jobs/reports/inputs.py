"""Everything a report's pages show, gathered once from the store: the portfolio's roll-ups, its history, the
project managers' KPIs, the burn-ups, the projects' names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from pmokit.runtime import Runtime
from pmokit.store import audit, snapshots
from rules.engine import evaluate_settings
from rules.evaluation import Evaluation
from rules.facts import Facts

from ..sync.snapshot import load_facts
from .portfolio import Portfolio, build
from .rollups.burnup import burnup
from .rollups.history import changes_since, rag_history
from .rollups.kpis import (
    average_slippage,
    compliance_trend,
    first_pass,
    forecast_accuracy,
    manager_kpis,
    on_time_milestones,
)


@dataclass
class ReportInputs:
    portfolio: Portfolio
    generated: str  # when, as people read it (the preview says it; a page does not: it would change every run)
    records: dict[str, str]  # project -> key of its record issue
    names: dict[str, str]  # project -> its name: its record's summary, else Jira's project name
    history: pd.DataFrame  # project x period -> colour
    changes: pd.DataFrame  # since the previous period
    kpis: pd.DataFrame  # per project manager
    burnup: pd.DataFrame  # project, week, scope, done
    periods: int  # how many reporting periods the history holds


def project_names(facts: Facts, records: dict[str, Any]) -> dict[str, str]:
    """What people call each project: its record's summary (the PMO's name for it, renamed where the PMO renames
    it), else the name Jira gives the project; a project with neither is shown by its key alone."""
    names = {project: record.summary for project, record in records.items() if record.summary}
    for issue in facts.issues.values():
        if issue.project_name:
            names.setdefault(issue.project_key, issue.project_name)
    return names


def gather(runtime: Runtime, now: datetime, *, facts: Facts | None = None,
           results: Evaluation | None = None) -> ReportInputs:
    """Facts from the store, every rule evaluated, the roll-ups; this period's status kept as a snapshot (the
    latest run of a period wins) so that trends and "what changed" have something to compare with. ``facts``
    and ``results``: what a caller already read and evaluated (the demo, after enforcing), not done again."""
    settings = runtime.settings
    if facts is None:
        facts = load_facts(runtime)
    if results is None:
        results = evaluate_settings(settings, facts, now)
    today = now.date()
    portfolio = build(facts, results, settings, today)
    record_type = settings.portfolio.record_issue_type
    records = {i.project_key: i for i in facts.issues.values() if i.issue_type == record_type}
    with runtime.sessions.begin() as session:
        snapshots.save(session, portfolio.period, portfolio.rag, now)
        stored = snapshots.load(session)
        approvals = audit.approvals(session)
    periods = sorted(stored["period"].unique()) if not stored.empty else []
    previous = stored[stored["period"] == periods[-2]] if len(periods) > 1 else pd.DataFrame()
    managers = {p: (i.assignee.display_name or i.assignee.id) for p, i in records.items() if i.assignee}
    record_keys = {p: i.key for p, i in records.items()}
    closing = tuple(phase.id for phase in settings.phases[-1:])  # the last phase: the projects that closed
    kpis = manager_kpis(
        on_time_milestones(portfolio.frame, record_type=record_type),
        first_pass(portfolio.gates, approvals, record_keys, managers),
        average_slippage(portfolio.frame, portfolio.slipped, managers),
        forecast_accuracy(portfolio.budget, {p: i.phase for p, i in records.items()}, managers, closing),
        compliance_trend(stored, managers))
    return ReportInputs(
        portfolio=portfolio, generated=now.strftime("%Y-%m-%d %H:%M %Z").strip(),
        records={p: i.key for p, i in records.items()}, names=project_names(facts, records),
        history=rag_history(stored), changes=changes_since(portfolio.rag, previous),
        kpis=kpis, burnup=burnup(portfolio.frame, today),
        periods=len(periods))

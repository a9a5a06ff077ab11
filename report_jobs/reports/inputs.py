"""Everything a report's pages show, gathered once from the store: the portfolio's roll-ups, its history, the
project managers' KPIs, the burn-ups, the projects' names."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from pmokit.runtime import Runtime
from pmokit.store import audit, snapshots
from rules.engine import evaluate_settings
from rules.evaluation import Evaluation
from rules.facts import Facts

from ..sync.snapshot import load_facts
from .changes import period_events
from .past import facts_as_of
from .portfolio import Portfolio, build, status_of
from .rollups.burnup import burnup
from .rollups.cost_history import cost_changes, cost_over_time
from .rollups.history import changes_since, period_bounds, periods_before, rag_history
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
    program_of: dict[str, str] = field(default_factory=dict)  # project -> its program
    cost: pd.DataFrame = field(default_factory=pd.DataFrame)  # project, week, pv, ev, ac (rollups.cost_history)
    reconstructed: list[str] = field(default_factory=list)  # periods rebuilt from the changelog, oldest first
    assumed: dict[str, list[str]] = field(default_factory=dict)  # project -> fields its history does not hold


log = logging.getLogger(__name__)
# A progress report: (what is being done, how many of how many are done).
Progress = Callable[[str, int, int], None]


def project_names(facts: Facts, records: dict[str, Any]) -> dict[str, str]:
    """What people call each project: its record's summary (the PMO's name for it, renamed where the PMO renames
    it), else the name Jira gives the project; a project with neither is shown by its key alone."""
    names = {project: record.summary for project, record in records.items() if record.summary}
    for issue in facts.issues.values():
        if issue.project_name:
            names.setdefault(issue.project_key, issue.project_name)
    return names


def _quiet(what: str, done: int, total: int) -> None:
    """No progress shown."""


def reconstruct(runtime: Runtime, facts: Facts, periods: list[str],
                progress: Progress = _quiet) -> dict[str, pd.DataFrame]:
    """Period -> the status it had at its end, rebuilt from the changelog (the same roll-ups and rules as a
    live run, on the portfolio as it was), each row marked ``reconstructed`` with the fields it ``assumed``. A
    period before the portfolio had any issue has nothing to show; one that cannot be rebuilt is left out."""
    settings, vocabulary = runtime.settings, runtime.vocabulary()
    rebuilt: dict[str, pd.DataFrame] = {}
    for done, period in enumerate(periods):
        progress("rebuilding history", done, len(periods))
        end = period_bounds(period)[1]
        try:
            past = facts_as_of(facts, end, vocabulary)
            if not past.facts.issues:
                continue
            status = status_of(past.facts, evaluate_settings(settings, past.facts, end), settings, end.date())
        except Exception:  # one period's fault never costs the report (nor the other periods)
            log.exception("the status of %s could not be rebuilt from the changelog", period)
            continue
        gaps: dict[str, set[str]] = {}
        by_project = {issue.key: issue.project_key for issue in past.facts.issues.values()}
        for key, names in past.assumed.items():
            gaps.setdefault(by_project.get(key, ""), set()).update(names)
        rebuilt[period] = status.assign(
            reconstructed=True,
            assumed=pd.Series([sorted(gaps.get(str(p), ())) for p in status["project"]], index=status.index,
                              dtype=object))
    progress("rebuilding history", len(periods), len(periods))
    return rebuilt


def gather(runtime: Runtime, now: datetime, *, facts: Facts | None = None,
           results: Evaluation | None = None, progress: Progress = _quiet) -> ReportInputs:
    """Facts from the store, every rule evaluated, the roll-ups; this period's status kept as a snapshot (the
    latest run of a period wins) so that trends and "what changed" have something to compare with. Periods of
    the last ``reports.history_periods`` with no snapshot are rebuilt from the changelog once and kept, marked
    as reconstructed. ``facts`` and ``results``: what a caller already read and evaluated (the demo, after
    enforcing), not done again."""
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
        snapshots.save(session, portfolio.period, portfolio.rag.assign(reconstructed=False), now)
        known = snapshots.periods(session)
    missing = [p for p in periods_before(portfolio.period, settings.reports.history_periods) if p not in known]
    rebuilt = reconstruct(runtime, facts, missing, progress) if missing else {}
    with runtime.sessions.begin() as session:
        for period, status in rebuilt.items():
            snapshots.save(session, period, status, now)
        stored = snapshots.load(session)
        approvals = audit.approvals(session)
    periods = sorted(stored["period"].unique()) if not stored.empty else []
    previous = stored[stored["period"] == periods[-2]] if len(periods) > 1 else pd.DataFrame()
    events: dict[str, list[dict]] = {}
    if len(periods) > 1:
        since = period_bounds(periods[-2])[1]
        events = period_events(facts_as_of(facts, since, runtime.vocabulary()).facts, facts, since, now,
                               record_type=record_type)
    managers = {p: (i.assignee.display_name or i.assignee.id) for p, i in records.items() if i.assignee}
    record_keys = {p: i.key for p, i in records.items()}
    closing = tuple(phase.id for phase in settings.phases[-1:])  # the last phase: the projects that closed
    kpis = manager_kpis(
        on_time_milestones(portfolio.frame, record_type=record_type),
        first_pass(portfolio.gates, approvals, record_keys, managers),
        average_slippage(portfolio.frame, portfolio.slipped, managers),
        forecast_accuracy(portfolio.budget, {p: i.phase for p, i in records.items()}, managers, closing),
        compliance_trend(stored, managers))
    burnups = burnup(portfolio.frame, today)
    cost_field = (runtime.vocabulary().logical_fields.get("actual_cost"), settings.portfolio.fields.get("actual_cost"))
    spending = cost_changes((c for i in records.values() for c in facts.changes.get(i.id, [])),
                            [f for f in cost_field if f], {i.id: p for p, i in records.items()})
    return ReportInputs(
        portfolio=portfolio, generated=now.strftime("%Y-%m-%d %H:%M %Z").strip(),
        records={p: i.key for p, i in records.items()}, names=project_names(facts, records),
        history=rag_history(stored), changes=changes_since(portfolio.rag, previous, events),
        kpis=kpis, burnup=burnups,
        periods=len(periods), program_of={**settings.portfolio.program_of, **facts.program_of},
        reconstructed=_reconstructed(stored), assumed=_assumed(stored),
        cost=cost_over_time(burnups, portfolio.budget, portfolio.schedule, spending))


def _reconstructed(stored: pd.DataFrame) -> list[str]:
    if stored.empty or "reconstructed" not in stored.columns:
        return []
    return sorted(stored.loc[stored["reconstructed"].fillna(False).astype(bool), "period"].unique())


def _assumed(stored: pd.DataFrame) -> dict[str, list[str]]:
    """Project -> the fields a reconstructed period of it took as today's (or left unknown)."""
    if stored.empty or "assumed" not in stored.columns:
        return {}
    found: dict[str, set[str]] = {}
    for project, names in zip(stored["project"], stored["assumed"], strict=True):
        if isinstance(names, list) and names:
            found.setdefault(str(project), set()).update(names)
    return {project: sorted(names) for project, names in sorted(found.items())}

"""What happened in a project between two moments, from the portfolio as it was then (``past.facts_as_of``) and
as it is now: phase moves, milestone dates moved, budget and forecast changed, risks new or raised, gates
decided. Each event is data (kind, subject, before, after, who); the pages say it in the reader's language."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pmokit.records import Issue
from rules.facts import Facts

MILESTONE, RISK = "Milestone", "Risk"
MONEY = ("budget", "forecast_cost")


def _score(issue: Issue) -> float | None:
    try:
        return float(issue.custom.get("probability")) * float(issue.custom.get("impact"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def period_events(then: Facts, now: Facts, since: datetime, until: datetime, *,
                  record_type: str = "Project") -> dict[str, list[dict[str, Any]]]:
    """Project -> its events between ``since`` (the facts ``then``) and ``until`` (``now``), in a stable order:
    phase, milestone dates, money, risks, gates."""
    events: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    before = {issue.key: issue for issue in then.issues.values()}

    def add(issue: Issue, kind: str, before_value: Any = None, after_value: Any = None, who: str = "") -> None:
        events[issue.project_key].append({"kind": kind, "subject": issue.key, "before": before_value,
                                          "after": after_value, "who": who})

    for issue in sorted(now.issues.values(), key=lambda i: (i.project_key, i.key)):
        old = before.get(issue.key)
        if issue.issue_type == record_type and old is not None:
            if old.phase != issue.phase and issue.phase:
                add(issue, "phase", old.phase, issue.phase)
            for field in MONEY:
                was, is_ = old.custom.get(field), issue.custom.get(field)
                if was != is_ and is_ is not None:
                    add(issue, field, was, is_)
        elif issue.issue_type == MILESTONE and old is not None and old.due != issue.due and issue.due:
            add(issue, "due", _day(old.due), _day(issue.due))
        elif issue.issue_type == RISK and not issue.is_done:
            score = _score(issue)
            if old is None:
                add(issue, "new_risk", None, score)
            elif score is not None and (old_score := _score(old)) is not None and score > old_score:
                add(issue, "risk_raised", old_score, score)
    for key, decisions in sorted(now.decisions.items()):
        for decision in decisions:
            if decision.applied and decision.at is not None and since < decision.at <= until and decision.gate:
                record = now.issues.get(key)
                if record is not None:
                    add(record, "gate", decision.gate, decision.verb, decision.author_name or decision.author)
    return dict(events)

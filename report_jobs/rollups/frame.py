"""The issues as one DataFrame, one row an issue, the columns every roll-up reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

from pmokit.records import Issue, StatusCategory

# Logical fields the roll-ups read from `issue.custom` (portfolio.fields), and their kind.
NUMBERS = ("budget", "actual_cost", "forecast_cost", "payment_amount", "probability", "impact")
DATES = ("baseline_start", "baseline_end")
TEXTS = ("payment_status", "sponsor")
CATEGORICAL = ("project", "program", "type", "status", "phase", "assignee", "epic", "parent")
COLUMNS = ("key", "project", "program", "type", "status", "done", "in_progress", "phase", "points", "created",
           "resolved", "due", "assignee", "parent", "epic", *NUMBERS, *DATES, *TEXTS)


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _moments(values: list[datetime | None]) -> pd.Series:
    """Timestamps as naive UTC ``datetime64``: converted as numbers (parsing objects costs ten times more)."""
    micros = np.array([v.timestamp() * 1e6 if v is not None else np.nan for v in values], dtype=float)
    return pd.Series(pd.to_datetime(micros, unit="us"))


def _days(values: list[date | None]) -> pd.Series:
    ordinals = np.array([v.toordinal() - _EPOCH_ORDINAL if v is not None else np.nan for v in values], dtype=float)
    return pd.Series(pd.to_datetime(ordinals, unit="D"))


def issues_frame(issues: Iterable[Issue], program_of: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per issue. Dates are ``datetime64[ns]`` (a missing one is NaT), numbers ``float`` (NaN).

    Built column by column; the logical fields only from the issues that carry any (most carry none)."""
    program_of = program_of or {}
    issues = list(issues)
    n = len(issues)
    numbers = {name: np.full(n, np.nan) for name in NUMBERS}
    days: dict[str, list[date | None]] = {name: [None] * n for name in DATES}
    texts: dict[str, list[object]] = {name: [None] * n for name in TEXTS}
    for row, issue in enumerate(issues):
        custom = issue.custom
        if not custom:
            continue
        for name in NUMBERS:
            value = _number(custom.get(name))
            if value is not None:
                numbers[name][row] = value
        for name in DATES:
            days[name][row] = _day(custom.get(name))
        for name in TEXTS:
            texts[name][row] = custom.get(name)
    done, wip = StatusCategory.DONE, StatusCategory.IN_PROGRESS
    projects = [i.project_key for i in issues]
    data: dict[str, object] = {
        "key": [i.key for i in issues], "project": projects, "program": [program_of.get(p, "") for p in projects],
        "type": [i.issue_type for i in issues], "status": [i.status for i in issues],
        "done": np.fromiter((i.status_category is done for i in issues), bool, n),
        "in_progress": np.fromiter((i.status_category is wip for i in issues), bool, n),
        "phase": [i.phase for i in issues],
        "points": np.array([i.story_points if i.story_points is not None else np.nan for i in issues], dtype=float),
        "created": _moments([i.created for i in issues]), "resolved": _moments([i.resolved for i in issues]),
        "due": _days([i.due for i in issues]),
        "assignee": [(i.assignee.display_name or i.assignee.id) if i.assignee else None for i in issues],
        "parent": [i.parent_key for i in issues], "epic": [i.epic_key for i in issues],
        **numbers, **{name: _days(values) for name, values in days.items()}, **texts,
    }
    frame = pd.DataFrame(data, columns=list(COLUMNS))
    # Categories: the roll-ups group and filter by these, several times each, over up to millions of rows.
    for column in CATEGORICAL:
        frame[column] = frame[column].astype("category")
    return frame

"""The issues as one DataFrame, one row an issue, the columns every roll-up reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

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


def issues_frame(issues: Iterable[Issue], program_of: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per issue. Dates are ``datetime64[ns]`` (a missing one is NaT), numbers ``float`` (NaN)."""
    program_of = program_of or {}
    rows = []
    for i in issues:
        custom = i.custom
        rows.append((
            i.key, i.project_key, program_of.get(i.project_key, ""), i.issue_type, i.status,
            i.status_category is StatusCategory.DONE, i.status_category is StatusCategory.IN_PROGRESS, i.phase,
            i.story_points, i.created, i.resolved, i.due,
            (i.assignee.display_name or i.assignee.id) if i.assignee else None, i.parent_key, i.epic_key,
            *(_number(custom.get(name)) for name in NUMBERS), *(_day(custom.get(name)) for name in DATES),
            *(custom.get(name) for name in TEXTS)))
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for column in ("created", "resolved"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    for column in ("due", *DATES):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("points", *NUMBERS):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    # Categories: the roll-ups group and filter by these, several times each, over up to millions of rows.
    for column in CATEGORICAL:
        frame[column] = frame[column].astype("category")
    return frame

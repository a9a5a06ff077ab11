"""The issues as one DataFrame, one row an issue, the columns every roll-up reads."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from pmokit.records import Issue, StatusCategory

# Logical fields the roll-ups read from `issue.custom` (portfolio.fields), and their kind.
NUMBERS = ("budget", "actual_cost", "forecast_cost", "payment_amount", "probability", "impact")
DATES = ("baseline_start", "baseline_end")
TEXTS = ("payment_status", "sponsor")
CATEGORICAL = ("project", "program", "type", "status", "phase", "assignee", "epic", "parent")
COLUMNS = ("key", "summary", "project", "program", "type", "status", "done", "in_progress", "phase", "points",
           "created", "resolved", "due", "assignee", "parent", "epic", *NUMBERS, *DATES, *TEXTS)


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
_KIND = {**dict.fromkeys(NUMBERS, "number"), **dict.fromkeys(DATES, "date"), **dict.fromkeys(TEXTS, "text")}


def _moments(values: tuple[Any, ...] | list[Any]) -> pd.Series:
    """Timestamps as naive UTC ``datetime64``. pandas reads aware datetimes of one time zone fastest; a mix of
    offsets (a Server site in local time) goes the general way."""
    try:
        moments = pd.DatetimeIndex(values)
    except (ValueError, TypeError):
        moments = pd.to_datetime(list(values), utc=True)
    if moments.tz is not None:
        moments = moments.tz_convert("UTC").tz_localize(None)
    return pd.Series(moments.as_unit("us"))


def _days(values: Sequence[Any]) -> pd.Series:
    """Days as ``datetime64``, converted only where there is one (few issues have a due date)."""
    ordinals = np.full(len(values), np.nan)
    objects: Any = np.fromiter(values, dtype=object, count=len(values))
    rows = np.flatnonzero(objects != None)  # noqa: E711  (element-wise: an array, not a truth value)
    ordinals[rows] = [values[row].toordinal() - _EPOCH_ORDINAL for row in rows.tolist()]
    return pd.Series(pd.to_datetime(ordinals, unit="D"))


_READ = attrgetter("key", "summary", "project_key", "issue_type", "status", "status_category", "phase", "story_points",
                   "created", "resolved", "due", "assignee", "parent_key", "epic_key")


def _attributes(issues: list[Issue]) -> list[tuple[Any, ...]]:
    """The attributes the frame needs, a tuple per attribute, reading each issue once (the issues are spread
    over the heap: one pass touches them once). The collector stays out of the way of the 100,000s of tuples
    made here (its passes over a large heap cost more than the work itself)."""
    if not issues:
        return [()] * 14
    collecting = gc.isenabled()
    gc.disable()
    try:
        return list(zip(*map(_READ, issues), strict=True))
    finally:
        if collecting:
            gc.enable()


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
        for name, value in custom.items():  # the few fields an issue carries, not every name asked for
            kind = _KIND.get(name)
            if kind is None or value is None:
                continue
            if kind == "number":
                number = _number(value)
                if number is not None:
                    numbers[name][row] = number
            elif kind == "date":
                days[name][row] = _day(value)
            else:
                texts[name][row] = value
    (keys, summaries, projects, types, statuses, categories, phases, points, created, resolved, due, assignees, parents,
     epics) = _attributes(issues)
    # The status category as a small number per issue: 0 done, 1 in progress, 2 anything else.
    rank = {c: {StatusCategory.DONE: 0, StatusCategory.IN_PROGRESS: 1}.get(c, 2) for c in StatusCategory}
    category = np.fromiter(map(rank.__getitem__, categories), np.int8, n)
    data: dict[str, Any] = {
        "key": keys, "summary": summaries, "project": projects,
        "type": types, "status": statuses, "done": category == 0, "in_progress": category == 1, "phase": phases,
        "points": np.array([p if p is not None else np.nan for p in points], dtype=float),
        "created": _moments(created), "resolved": _moments(resolved), "due": _days(due),
        "assignee": [(a.display_name or a.id) if a is not None else None for a in assignees],
        "parent": parents, "epic": epics,
        **numbers, **{name: _days(values) for name, values in days.items()}, **texts,
    }
    # Categories: the roll-ups group and filter by these, several times each, over up to millions of rows. Made
    # from the lists directly: through a text column first costs a conversion more.
    for column in CATEGORICAL:
        if column != "program":
            codes, names = pd.factorize(np.fromiter(data[column], dtype=object, count=n), sort=True)
            data[column] = pd.Categorical.from_codes(codes, pd.Index(names))
    # A project's program, through the project's categories: a lookup per project, not per issue.
    project = data["project"]
    programs = np.array([program_of.get(p, "") for p in project.categories] + [""], dtype=object)
    codes, names = pd.factorize(programs, sort=True)
    # Code -1 (a project not in the categories) picks the "" at the end.
    data["program"] = pd.Categorical.from_codes(codes[project.codes], pd.Index(names))
    for column in ("key", "summary", *TEXTS):  # kept as objects: inferring a string dtype costs another pass
        data[column] = pd.Series(np.array(data[column], dtype=object), dtype=object, copy=False)
    return pd.DataFrame(data, columns=list(COLUMNS), copy=False)  # the columns are new: no need to copy them

"""How JQL compares a field's value with a clause's: equality across lists and case, numbers, keys in
project order, and dates as instants or as days in the searching user's time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from .jql_tokens import JqlError
from .model import SIssue

Predicate = Callable[[SIssue], bool]


def empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def matches_any(actual: Any, wanted: list[Any]) -> bool:
    if isinstance(actual, list | tuple):
        folded = {str(a).casefold() for a in actual}
        return any(str(w).casefold() in folded for w in wanted if w is not None)
    if actual is None:
        return False
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return any(_number_equal(actual, w) for w in wanted)
    return any(str(actual).casefold() == str(w).casefold() for w in wanted if w is not None)


def _number_equal(actual: float, wanted: Any) -> bool:
    try:
        return float(actual) == float(wanted)
    except (TypeError, ValueError):
        return False


def as_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return datetime.combine(date.fromisoformat(value[:10]), time.min, tzinfo=UTC)
        except ValueError:
            return None
    return None


def compare_dates(getter: Callable[[SIssue], Any], op: str, bound: datetime, zone: ZoneInfo | Any) -> Predicate:
    """Timestamps compare as instants; date-only fields (due dates) as days in the user's time zone."""
    compare = _OPERATORS.get(op)
    if compare is None:
        raise JqlError(f"The operator '{op}' is not supported by date fields.")
    bound_day = bound.astimezone(zone).date()

    def predicate(issue: SIssue) -> bool:
        value = getter(issue)
        if isinstance(value, str):
            value = _as_day(value)
        if value is None:
            return False
        if isinstance(value, datetime):
            return compare(value, bound)
        return compare(value, bound_day)

    return predicate


def _as_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def compare_ordered(getter: Callable[[SIssue], Any], op: str, bound: Any, kind: str) -> Predicate:
    compare = _OPERATORS[op]
    if kind == "key":
        project, number = str(bound).rsplit("-", 1)

        def by_key(issue: SIssue) -> bool:
            return issue.project_key == project and compare(issue.number, int(number))

        return by_key

    def predicate(issue: SIssue) -> bool:
        value = getter(issue)
        try:
            return value is not None and compare(float(value), float(bound))
        except (TypeError, ValueError):
            return False

    return predicate


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
}

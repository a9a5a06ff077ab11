"""The condition language: what it means, and errors that point at the column."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from config.conditions import ExpressionError, compile_expression

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Scope:
    now = NOW

    def __init__(self, **values):
        self.values = values

    def value(self, path):
        return self.values.get(path)


ISSUE = Scope(budget=1_000_000, sponsor="王伟", due=date(2026, 11, 25), status="Done", labels=["pmo", "backend"],
              summary="[SHOP] Checkout revamp", story_points=5, updated=datetime(2026, 11, 1, tzinfo=UTC),
              **{"parent.status": "Planning"})


@pytest.mark.parametrize("text, expected", [
    ("budget > 0 and sponsor is not empty", True),
    ("budget >= 1000000 and budget <= 1000000", True),
    ("due < now + 7d", True),
    ("due < now + 2d", False),
    ("updated < now - 2w", True),
    ("status = 'done'", True),  # names compare without regard to case
    ("status != 'Done'", False),
    ("status in ('Closed', 'Done')", True),
    ("status not in ('Closed', 'Done')", False),
    ("labels contains 'PMO'", True),
    ("labels in ('data', 'backend')", True),
    ("count(labels) = 2", True),
    (r"summary matches '^\[[A-Z]+\] '", True),
    ("summary contains 'checkout'", True),
    ("len(sponsor) = 2", True),
    ("parent.status = 'Planning'", True),
    ("days_until(due) = 4.5", True),
    ("days_since(updated) > 18", True),
    ("not (budget > 5000000) and (story_points = 5 or false)", True),
    ("risk_owner is empty", True),
    ("risk_owner = null", True),
    ("risk_owner > 3", False),  # a comparison with a missing value is false
    ("risk_owner not in ('x')", False),
    ("-story_points < 0", True),
    ("today <= now", True),
])
def test_meaning(text, expected):
    assert compile_expression(text)(ISSUE) is expected


def test_fields_it_reads_are_known():
    expression = compile_expression("budget > 0 and parent.status = 'x' and count(labels) > 1")
    assert expression.fields == {"budget", "parent.status", "labels"}


@pytest.mark.parametrize("text, column, message", [
    ("budget >", 9, "expected a value but found the end of the expression"),
    ("budget >> 3", 9, "expected a value but found '>'"),
    ("budgte > 0", 1, "unknown field 'budgte' (did you mean 'budget'?)"),
    ("count(labels", 13, "expected ')' but found the end of the expression"),
    ("summary matches '['", 17, "invalid regular expression"),
    ("summary matches 3", 17, "'matches' needs a quoted regular expression"),
    ("sum(labels) > 1", 1, "unknown function 'sum'"),
    ("", 1, "the expression is empty"),
    ("budget > 0 budget", 12, "unexpected 'budget'; expected 'and', 'or' or the end"),
    ("budget = 'open", 10, "unexpected character"),
    ("status is full", 11, "expected 'empty' but found 'full'"),
])
def test_errors_point_at_the_column(text, column, message):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, {"budget", "labels", "summary", "status"})
    assert caught.value.column == column
    assert caught.value.message.startswith(message)


def test_nothing_is_evaluated_as_python():
    with pytest.raises(ExpressionError):
        compile_expression("__import__('os').system('true')")
    assert compile_expression("'__import__(1)' = '__import__(1)'")(ISSUE) is True

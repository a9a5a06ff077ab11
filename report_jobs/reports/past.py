"""The portfolio as it was at a moment, rebuilt from Jira's changelog: every change made after the moment undone
(status, and the phase read from it; due dates, assignees, summaries, labels, the PMO's custom fields), issues
created after it left out, attachments, comments and decisions made after it forgotten.

What the changelog cannot say is said, not guessed: a field that changes in the normal course of a project
(actual cost, forecast) but has no change in an issue's history is "assumed" for that issue; actual cost
without a history is unknown in the past (None), as today's spending carried back would show an overrun that
never was.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from connector.translate import Vocabulary, parse_date
from pmokit.records import Change, Issue, StatusCategory, User
from rules.facts import Facts

# Fields a project's life moves (so an empty history is a gap, not a constant), and of them those whose value
# today says nothing of the past.
MOVING = ("actual_cost", "forecast_cost")
UNKNOWN_WITHOUT_HISTORY = ("actual_cost",)


@dataclass(frozen=True)
class Past:
    facts: Facts
    assumed: dict[str, tuple[str, ...]]  # issue key -> the moving fields its history does not hold


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "")) if value not in (None, "") else None
    except ValueError:
        return None


def _value_then(now: Any, change: Change) -> Any:
    """A custom field's value before ``change``, in the shape it has today."""
    raw = change.from_value if change.from_value not in (None, "") else change.from_string
    if raw in (None, ""):
        return None
    if isinstance(now, float | int) and not isinstance(now, bool):
        return _number(change.from_string if change.from_string not in (None, "") else raw)
    if isinstance(now, date):
        return parse_date(raw) or parse_date(change.from_string)
    return change.from_string if change.from_string not in (None, "") else raw


def status_categories(issues: Iterable[Issue]) -> dict[str, StatusCategory]:
    """Status name (casefolded) -> its category, from the statuses the issues carry today."""
    return {issue.status.casefold(): issue.status_category for issue in issues if issue.status}


def _upto(changes: list[Change], moment: datetime) -> int:
    """How many of ``changes`` (oldest first, as facts keep them) were made at ``moment`` or before: a report
    rebuilding 12 weeks of 2.2 million changes cuts each issue's list rather than filtering it."""
    return bisect_right(changes, moment, key=_created)


def _created(change: Change) -> datetime:
    return change.created


def issue_as_of(issue: Issue, changes: list[Change], moment: datetime, vocabulary: Vocabulary,
                categories: Mapping[str, StatusCategory]) -> Issue | None:
    """``issue`` as it was at ``moment`` (None: it did not exist yet)."""
    if issue.created is not None and issue.created > moment:
        return None
    later = changes[_upto(changes, moment):]
    resolved = issue.resolved if issue.resolved is None or issue.resolved <= moment else None
    attached = tuple(a for a in issue.attachments if a.created is None or a.created <= moment)
    if not later:
        if resolved is issue.resolved and len(attached) == len(issue.attachments):
            return issue
        return replace(issue, resolved=resolved, attachments=attached)
    logical_of = {fid: logical for logical, fid in vocabulary.logical_fields.items()}
    status, category = issue.status, issue.status_category
    custom = dict(issue.custom)
    fields: dict[str, Any] = {}
    for change in sorted(later, key=lambda c: c.created, reverse=True):  # undone from the newest
        name = change.field.casefold()
        logical = logical_of.get(change.field_id or "")
        if name == "status":
            status = change.from_string or ""
            category = categories.get(status.casefold(), StatusCategory.UNKNOWN)
        elif name in ("duedate", "due date"):
            fields["due"] = parse_date(change.from_value or change.from_string)
        elif name == "assignee":
            fields["assignee"] = User(change.from_value, change.from_string or "") if change.from_value else None
        elif name == "summary":
            fields["summary"] = change.from_string or ""
        elif name == "labels":
            fields["labels"] = tuple((change.from_string or "").split())
        elif logical is not None:
            custom[logical] = _value_then(custom.get(logical), change)
    if vocabulary.story_points and vocabulary.story_points in custom:
        fields["story_points"] = _number(custom.get(vocabulary.story_points))
    if category is not StatusCategory.DONE:
        resolved = None
    return replace(issue, status=status, status_category=category, phase=vocabulary.phase_of(status, custom),
                   custom=custom, resolved=resolved, attachments=attached, **fields)


def facts_as_of(facts: Facts, moment: datetime, vocabulary: Vocabulary) -> Past:
    """The facts as they were at ``moment``, and what of them the changelog could not give back."""
    categories = status_categories(facts.issues.values())
    fields_of = {logical: fid for logical, fid in vocabulary.logical_fields.items()}
    issues, assumed = [], {}
    for issue in facts.issues.values():
        history = facts.changes.get(issue.id, [])
        then = issue_as_of(issue, history, moment, vocabulary, categories)
        if then is None:
            continue
        changed = {c.field_id for c in history}
        gaps = tuple(name for name in MOVING if then.custom.get(name) is not None
                     and fields_of.get(name) not in changed)
        if gaps:
            assumed[issue.key] = gaps
            unknown = [name for name in gaps if name in UNKNOWN_WITHOUT_HISTORY]
            if unknown:
                then = replace(then, custom={**then.custom, **dict.fromkeys(unknown)})
        issues.append(then)
    kept = {i.id for i in issues}
    comments = {issue_id: [c for c in found if c.created is None or c.created <= moment]
                for issue_id, found in facts.comments.items() if issue_id in kept}
    changes = {issue_id: found[:_upto(found, moment)] for issue_id, found in facts.changes.items() if issue_id in kept}
    decisions = [d for found in facts.decisions.values() for d in found if d.at is not None and d.at <= moment]
    return Past(Facts.assemble(issues, comments=comments, changes=changes, program_of=facts.program_of,
                               groups={g: list(m) for g, m in facts.groups.items()}, documents=facts.documents,
                               decisions=decisions, people=facts.people), assumed)

"""dates: due dates present, inside the project window, not overdue, and not slipped too far."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from ..facts import IssueScope
from ..registry import FIELD_CHANGE, SCHEDULED, TRANSITION, CheckContext, Kind, register
from ..results import Outcome, State
from ..spec import RuleSpec


class Dates(RuleSpec):
    kind: Literal["dates"]
    due_required: bool = True
    not_overdue: bool = True
    window: tuple[str, str] | None = Field(
        None, description="logical fields of the project record holding the project's start and end")
    max_slip_days: int | None = Field(None, ge=0, description="largest allowed move of the due date from its "
                                                              "first value, measured from the changelog")


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def slip_days(scope: IssueScope, ctx: CheckContext) -> int:
    """Days between the first due date the changelog shows and the current one."""
    issue = scope.issue
    changes = [c for c in ctx.facts.changes.get(issue.id, []) if c.field.casefold() in ("duedate", "due date")]
    first = _day(changes[0].from_value or changes[0].from_string) if changes else None
    if first is None or issue.due is None:
        return 0
    return (issue.due - first).days


def _record(scope: IssueScope, ctx: CheckContext):
    record_type = getattr(getattr(ctx.settings, "portfolio", None), "record_issue_type", "Project")
    return ctx.facts.record_of(scope.issue.project_key, record_type)


def check(spec: Dates, scope: IssueScope, ctx: CheckContext) -> Outcome:
    issue, today = scope.issue, ctx.now.date()
    problems, evidence = [], [f"due = {issue.due}" if issue.due else "no due date"]
    if spec.due_required and issue.due is None:
        problems.append(ctx.t("no due date", "缺少到期日"))
    if spec.not_overdue and issue.due and issue.due < today and not issue.is_done:
        problems.append(ctx.t(f"overdue by {(today - issue.due).days} days", f"已逾期 {(today - issue.due).days} 天"))
    if spec.window and issue.due:
        record = _record(scope, ctx)
        start = _day(record.value(spec.window[0])) if record else None
        end = _day(record.value(spec.window[1])) if record else None
        evidence.append(f"project window {start} – {end}")
        if (start and issue.due < start) or (end and issue.due > end):
            problems.append(ctx.t("due date outside the project window", "到期日超出项目周期"))
    if spec.max_slip_days is not None:
        slipped = slip_days(scope, ctx)
        evidence.append(f"slipped {slipped} days")
        if slipped > spec.max_slip_days:
            problems.append(ctx.t(f"slipped {slipped} days (more than {spec.max_slip_days})",
                                  f"延期 {slipped} 天（超过 {spec.max_slip_days} 天）"))
    if not problems:
        return Outcome(State.PASS, ctx.t("dates are in order", "日期正常"), tuple(evidence))
    text = "; ".join(problems)
    return Outcome(State.FAIL, text, tuple(evidence), tuple(problems),
                   ctx.t(f"Set a realistic due date on {issue.key} or finish it.",
                         f"请为 {issue.key} 设置合理的到期日或完成该事项。"))


KIND = register(Kind("dates", Dates, check, frozenset({FIELD_CHANGE, TRANSITION, SCHEDULED}),
                     "due dates present, in the window, not overdue, not slipped"))

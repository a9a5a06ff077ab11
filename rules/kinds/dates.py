"""dates: due dates present, inside the project window, not overdue, and not slipped too far."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from config.rule_specs import Dates
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import Facts, IssueScope
from ..registry import FIELD_CHANGE, SCHEDULED, TRANSITION, Kind, register
from ..results import Outcome, State


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


def slip_days(issue: Issue, facts: Facts) -> int:
    """Days between the first due date the changelog shows and the current one."""
    history = facts.changes.get(issue.id)
    if not history or issue.due is None:
        return 0
    changes = [c for c in history if c.field.casefold() in ("duedate", "due date")]
    first = _day(changes[0].from_value or changes[0].from_string) if changes else None
    return (issue.due - first).days if first else 0


def _window(spec: Dates, project_key: str, ctx: CheckContext) -> tuple[date | None, date | None]:
    """(start, end) read from the project record's window fields."""
    record = ctx.facts.record_of(project_key, ctx.standard.record_type)
    if record is None or spec.window is None:
        return None, None
    return _day(record.value(spec.window[0])), _day(record.value(spec.window[1]))


def _problems(spec: Dates, issue: Issue, ctx: CheckContext, window: tuple[date | None, date | None],
              slipped: int) -> list[str]:
    """What is wrong with the issue's dates, as codes: due, overdue, window, slip."""
    due, problems = issue.due, []
    if due is None:
        return ["due"] if spec.due_required else []
    if spec.not_overdue and due < ctx.now.date() and not issue.is_done:
        problems.append("overdue")
    start, end = window
    if (start and due < start) or (end and due > end):
        problems.append("window")
    if spec.max_slip_days is not None and slipped > spec.max_slip_days:
        problems.append("slip")
    return problems


def check(spec: Dates, scope: IssueScope, ctx: CheckContext) -> Outcome:
    issue, today = scope.issue, ctx.now.date()
    evidence = [f"due = {issue.due}" if issue.due else "no due date"]
    window = _window(spec, issue.project_key, ctx) if spec.window and issue.due else (None, None)
    if spec.window and issue.due:
        evidence.append(f"project window {window[0]} – {window[1]}")
    slipped = slip_days(issue, ctx.facts)
    if spec.max_slip_days is not None:
        evidence.append(f"slipped {slipped} days")
    codes = _problems(spec, issue, ctx, window, slipped)
    if not codes:
        return Outcome(State.PASS, ctx.t("dates are in order", "日期正常"), tuple(evidence))
    late = (today - issue.due).days if issue.due else 0
    texts = {"due": ctx.t("no due date", "缺少到期日"),
             "overdue": ctx.t(f"overdue by {late} days", f"已逾期 {late} 天"),
             "window": ctx.t("due date outside the project window", "到期日超出项目周期"),
             "slip": ctx.t(f"slipped {slipped} days (more than {spec.max_slip_days})",
                           f"延期 {slipped} 天（超过 {spec.max_slip_days} 天）")}
    problems = tuple(texts[code] for code in codes)
    return Outcome(State.FAIL, "; ".join(problems), tuple(evidence), problems,
                   ctx.t(f"Set a realistic due date on {issue.key} or finish it.",
                         f"请为 {issue.key} 设置合理的到期日或完成该事项。"))


def fast_pass(spec: Dates, ctx: CheckContext) -> Callable[[Issue], bool]:
    windows: dict[str, tuple[date | None, date | None]] = {}  # per project, read once
    facts = ctx.facts
    no_window: tuple[date | None, date | None] = (None, None)

    def passes(issue: Issue) -> bool:
        if issue.due is None:
            return not spec.due_required
        window = no_window
        if spec.window:
            window = windows.get(issue.project_key) or windows.setdefault(
                issue.project_key, _window(spec, issue.project_key, ctx))
        return not _problems(spec, issue, ctx, window, slip_days(issue, facts))

    return passes


KIND = register(Kind("dates", Dates, check, frozenset({FIELD_CHANGE, TRANSITION, SCHEDULED}),
                     "due dates present, in the window, not overdue, not slipped", fast_pass=fast_pass))

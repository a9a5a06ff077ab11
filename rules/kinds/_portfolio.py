"""What portfolio kinds share: their view of one project (a gate criterion) and how a group is named."""

from __future__ import annotations

from config.rule_specs import RuleSpec
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope
from ..results import Outcome, State


def project_view(spec: RuleSpec, scope: IssueScope, ctx: CheckContext) -> Outcome:
    """A portfolio rule as a criterion on one issue: its failing findings about this issue or its project."""
    issue = scope.issue
    results = ctx.findings(spec)
    mine = [r for r in results if r.issue_key == issue.key or (r.project_key == issue.project_key and r.project_key)]
    failing = [r for r in mine if r.state is not State.PASS]
    if not failing:
        return Outcome(State.PASS, ctx.t("nothing to report for this project", "本项目无问题"),
                       tuple(r.message for r in mine))
    return Outcome(State.FAIL, "; ".join(r.message for r in failing), tuple(e for r in failing for e in r.evidence),
                   tuple(m for r in failing for m in r.missing), failing[0].fix)


def person(issue: Issue) -> str | None:
    """How a person is named in findings: display name, else id."""
    return (issue.assignee.display_name or issue.assignee.id) if issue.assignee else None


def number(value: float) -> str:
    return f"{value:g}"



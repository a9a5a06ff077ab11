"""belongs_to_project: every issue in scope (typically every epic) belongs to a governed project.

An issue belongs through its parent (its parent or epic is a project record) or through its Jira project (a
project of the portfolio's programs that has a record); ``via`` says which count.
"""

from __future__ import annotations

from collections.abc import Callable

from config.rule_specs import BelongsToProject
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope
from ..registry import CREATED, FIELD_CHANGE, LINK, SCHEDULED, Kind, register
from ..results import Outcome, State


def _owner(spec: BelongsToProject, issue: Issue, ctx: CheckContext) -> str | None:
    """The project record's key, or the governed Jira project, the issue belongs to; None if neither."""
    wanted = ctx.standard.record_type.casefold()
    if spec.via in ("parent", "either"):
        for key in (issue.parent_key, issue.epic_key):
            parent = ctx.facts.issues.get(key) if key else None
            if parent is not None and parent.issue_type.casefold() == wanted:
                return parent.key
    if spec.via in ("jira_project", "either") and issue.project_key in ctx.facts.program_of:
        record = ctx.facts.record_of(issue.project_key, ctx.standard.record_type)
        if record is not None:
            return record.key
    return None


def check(spec: BelongsToProject, scope: IssueScope, ctx: CheckContext) -> Outcome:
    issue = scope.issue
    owner = _owner(spec, issue, ctx)
    if owner:
        return Outcome(State.PASS, ctx.t(f"belongs to project {owner}", f"属于项目 {owner}"), (owner,))
    how = {"parent": ctx.t("a project record as its parent", "以项目档案为父项"),
           "jira_project": ctx.t("a governed Jira project with a project record", "属于有项目档案的受管 Jira 项目"),
           "either": ctx.t("a project record as its parent, or a governed Jira project",
                           "以项目档案为父项，或属于受管 Jira 项目")}[spec.via]
    parent = issue.parent_key or issue.epic_key
    evidence = (ctx.t(f"parent: {parent}", f"父项：{parent}") if parent else ctx.t("no parent", "无父项"),
                ctx.t(f"Jira project: {issue.project_key}", f"Jira 项目：{issue.project_key}"))
    fix = ctx.t(f"Set the parent of {issue.key} to its project's record ({ctx.standard.record_type}).",
                f"请将 {issue.key} 的父项设为所属项目的项目档案。")
    return Outcome(State.FAIL, ctx.t(f"{issue.key} belongs to no project", f"{issue.key} 不属于任何项目"), evidence,
                   (how,), fix)


def fast_pass(spec: BelongsToProject, ctx: CheckContext) -> Callable[[Issue], bool]:
    return lambda issue: _owner(spec, issue, ctx) is not None


KIND = register(Kind("belongs_to_project", BelongsToProject, check, frozenset({CREATED, FIELD_CHANGE, LINK,
                                                                               SCHEDULED}),
                     "every epic (or other issue) belongs to a project", fast_pass=fast_pass))

"""What a "project" is (``portfolio.project_unit``): a Jira project (the default), an epic, or every issue of one
type (an Initiative, say). For the two issue units each issue is given the project it belongs to as its
``project_key``, so that every rule, roll-up and page that groups by project groups by the PMO's unit:

- the record itself (an issue of ``record_issue_type``) is its own project;
- with ``epic``: an issue belongs to the record above it (its epic or parent, and so on up: a sub-task of a
  story of the epic belongs to the epic);
- with ``issue_type``: the same through parents, and else through an issue link to a record (the first record
  linked, by key), as organisations that keep initiatives beside the work link them;
- an issue that belongs to no record keeps its Jira project's key (so ``belongs_to_project`` can say so), and is
  no project of the portfolio.

A record's program is its Jira project's program (``portfolio.programs[].projects`` list Jira projects).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from pmokit.records import Issue

JIRA_PROJECT = "jira_project"
MAX_DEPTH = 12  # parent chains are short in Jira (epic > story > sub-task); a cycle in bad data stops here


def jira_project_of(issue_key: str) -> str:
    """The Jira project an issue is in: its key's prefix (Jira's keys are PROJECT-NUMBER)."""
    return issue_key.rsplit("-", 1)[0]


def assign_units(issues: Iterable[Issue], unit: str, record_type: str,
                 program_of: Mapping[str, str]) -> tuple[list[Issue], dict[str, str]]:
    """The issues with ``project_key`` set to their unit, and ``program_of`` with each unit's program."""
    every = list(issues)
    programs = dict(program_of)
    if unit == JIRA_PROJECT:
        return every, programs
    by_key = {issue.key: issue for issue in every}
    wanted = record_type.casefold()
    found: dict[str, str | None] = {}

    def is_record(issue: Issue) -> bool:
        return issue.issue_type.casefold() == wanted

    def unit_of(issue: Issue, depth: int = 0) -> str | None:
        if issue.key in found:
            return found[issue.key]
        found[issue.key] = None  # while looking: a cycle ends here
        owner: str | None = issue.key if is_record(issue) else None
        if owner is None and depth < MAX_DEPTH:
            for parent_key in (issue.parent_key, issue.epic_key):
                parent = by_key.get(parent_key) if parent_key else None
                if parent is not None and (owner := unit_of(parent, depth + 1)):
                    break
        if owner is None and unit == "issue_type":
            linked = sorted(link.target_key for link in issue.links
                            if link.target_key in by_key and is_record(by_key[link.target_key]))
            owner = linked[0] if linked else None
        found[issue.key] = owner
        return owner

    out = []
    for issue in every:
        owner = unit_of(issue)
        if is_record(issue):
            program = program_of.get(jira_project_of(issue.key)) or program_of.get(issue.key)
            if program:
                programs[issue.key] = program
        if owner is not None and owner != issue.project_key:
            issue = replace(issue, project_key=owner)
        out.append(issue)
    return out, programs


def governed(issues: Iterable[Issue], unit: str, record_type: str, jira_projects: Iterable[str]) -> list[str]:
    """The projects of the portfolio, in key order: the configured Jira projects, or (epic, issue type) the
    records in them."""
    if unit == JIRA_PROJECT:
        return sorted(set(jira_projects))
    inside = set(jira_projects)
    wanted = record_type.casefold()
    return sorted({i.key for i in issues if i.issue_type.casefold() == wanted and jira_project_of(i.key) in inside})

"""The JQL fields the sandbox knows: their names and aliases, how to read each from an issue, which are dates
or text, and how results sort by them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .jql_compare import as_instant
from .model import SIssue, SiteState

CATEGORIES = {"new": ("To Do", 2, ""), "indeterminate": ("In Progress", 4, ""), "done": ("Done", 3, "")}
ALIASES = {"type": "issuetype", "issuekey": "key", "category": "statusCategory", "statuscategory": "statusCategory",
           "epic link": "parent", "resolved": "resolutiondate", "due": "duedate", "fixversion": "fixVersion"}
GETTERS: dict[str, Callable[[SIssue], Any]] = {
    "project": lambda i: i.project_key,
    "issuetype": lambda i: i.issue_type,
    "status": lambda i: i.status,
    "statusCategory": lambda i: None,  # replaced per state in getter()
    "key": lambda i: i.key,
    "id": lambda i: i.id,
    "parent": lambda i: i.parent,
    "labels": lambda i: i.labels,
    "assignee": lambda i: i.assignee,
    "reporter": lambda i: i.reporter,
    "created": lambda i: i.created,
    "updated": lambda i: i.updated,
    "resolutiondate": lambda i: i.resolutiondate,
    "duedate": lambda i: i.duedate,
    "priority": lambda i: i.priority,
    "component": lambda i: i.components,
    "fixVersion": lambda i: i.fix_versions,
    "summary": lambda i: i.summary,
    "description": lambda i: i.description,
    "text": lambda i: f"{i.summary}\n{i.description}",
}
DATE_FIELDS = {"created", "updated", "resolutiondate", "duedate"}
TEXT_FIELDS = {"summary", "description", "text"}
ORDERABLE = {"key", "id", "created", "updated", "duedate", "priority", "status", "summary", "rank", "resolutiondate",
             "issuetype", "project", "assignee"}


def canonical(name: str) -> str:
    lowered = name.casefold()
    if lowered in ALIASES:
        return ALIASES[lowered]
    for known in GETTERS:
        if known.casefold() == lowered:
            return known
    return lowered if lowered == "rank" else name


PRIORITY_ORDER = {"Highest": 5, "High": 4, "Medium": 3, "Low": 2, "Lowest": 1}


def sort_key(state: SiteState, field: str) -> Callable[[SIssue], Any]:
    if field == "key":
        return lambda i: (i.project_key, i.number)
    if field in ("id", "rank"):
        return lambda i: i.id
    if field == "priority":
        return lambda i: PRIORITY_ORDER.get(i.priority, 0)
    if field == "status":
        return lambda i: state.statuses[i.status].name
    if field in DATE_FIELDS:
        floor = datetime.min.replace(tzinfo=UTC)
        return lambda i: as_instant(GETTERS[field](i)) or floor
    getter = GETTERS[field]
    return lambda i: str(getter(i) or "")

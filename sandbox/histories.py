"""Changelog histories: seeded ones generated on demand from a per-issue seed, then those written later.

A seeded history list is deterministic for an issue and consistent with its current fields: the status
path ends at the current status, and a milestone's due-date changes end at its current due date.
"""

from __future__ import annotations

import functools
import itertools
import random
from datetime import date, datetime, timedelta
from typing import Any

from .catalog import RANK
from .model import SIssue, SiteState


def all_histories(state: SiteState, issue: SIssue) -> list[dict[str, Any]]:
    """Every history of an issue, oldest first."""
    if not issue.seeded_histories:
        return issue.histories
    return list(_seeded(state, issue)) + issue.histories


def history_count(issue: SIssue) -> int:
    return issue.seeded_histories + len(issue.histories)


def freeze_seeded(issue: SIssue) -> None:
    """Fix what the issue's seeded histories are generated from: its fields as seeded."""
    if issue.seeded_from is None:
        issue.seeded_from = (issue.updated, issue.duedate, issue.status)


def _seeded(state: SiteState, issue: SIssue) -> tuple[dict[str, Any], ...]:
    updated, due, status = issue.seeded_from or (issue.updated, issue.duedate, issue.status)
    workflow = state.workflow_for(issue)
    status_names = tuple(state.statuses[s].name for s in workflow.statuses)
    path_end = workflow.statuses.index(status) if status in workflow.statuses else 0
    team = tuple(sorted(u for u in state.users if not u.startswith("557058")))
    return _generate(issue.id, issue.history_seed, issue.seeded_histories, issue.created, updated,
                     status_names[: path_end + 1], tuple(workflow.statuses[: path_end + 1]),
                     issue.due_history, due,
                     issue.reporter or "", issue.assignee or "", team)


@functools.lru_cache(maxsize=4096)
def _generate(issue_id: int, seed: int, count: int, created: datetime, updated: datetime,
              status_path: tuple[str, ...], status_ids: tuple[str, ...], due_history: tuple[date, ...],
              due: date | None, reporter: str, assignee: str, team: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    rng = random.Random(seed)
    items: list[list[dict[str, Any]]] = []
    # Due-date changes: from the baseline, through each slip, to the current due date.
    slips: list[list[dict[str, Any]]] = []
    if due_history and due is not None:
        chain = [*due_history, due]
        slips = [[_item("duedate", "jira", "duedate", a.isoformat(), a.isoformat(), b.isoformat(), b.isoformat())]
                 for a, b in itertools.pairwise(chain)]
    status_changes = [[_item("status", "jira", "status", status_ids[i], status_path[i], status_ids[i + 1],
                             status_path[i + 1])] for i in range(len(status_path) - 1)]
    fillers = count - len(status_changes) - len(slips)
    for n in range(max(fillers, 0)):
        if n % 3 == 2:
            items.append([_item("description", "jira", "description", None, f"draft {n}", None, f"draft {n + 1}")])
        else:
            items.append([_item("Rank", "custom", RANK, "", "", "", "Ranked higher")])
    # Slips go between the fillers, in order, before the last status changes.
    positions = sorted(rng.randint(0, len(items)) for _ in slips)
    for offset, (position, slip) in enumerate(zip(positions, slips, strict=True)):
        items.insert(position + offset, slip)
    items.extend(status_changes)
    items = items[-count:] if count else []
    # Between the issue's creation and its last update, in the order of their ids (as Jira's only grow): an
    # issue updated the moment it was created has them all at that instant.
    span = max((updated - created).total_seconds(), 0.0)
    step = span / max(len(items), 1)
    histories = []
    for index, history_items in enumerate(items):
        when = created + timedelta(seconds=step * (index + 1) - rng.uniform(0, step * 0.5))
        if index == len(items) - 1:
            when = updated
        author = assignee or reporter or (team[rng.randrange(len(team))] if team else "")
        histories.append({"id": str(issue_id * 1000 + index + 1), "created": when, "author": author,
                          "items": history_items})
    return tuple(histories)


def _item(field: str, fieldtype: str, field_id: str, from_value: Any, from_string: Any, to_value: Any,
          to_string: Any) -> dict[str, Any]:
    return {"field": field, "fieldtype": fieldtype, "fieldId": field_id, "from": from_value,
            "fromString": from_string, "to": to_value, "toString": to_string}


def make_item(field: str, field_id: str, from_value: Any, from_string: Any, to_value: Any, to_string: Any,
              custom: bool = False) -> dict[str, Any]:
    return _item(field, "custom" if custom else "jira", field_id, from_value, from_string, to_value, to_string)


def new_history(state: SiteState, issue: SIssue, author: str, when: datetime, items: list[dict[str, Any]]) -> dict:
    history = {"id": str(state.next_id("history")), "created": when, "author": author, "items": items}
    issue.histories.append(history)
    return history

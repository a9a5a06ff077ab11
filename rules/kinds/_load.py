"""A person's load week by week: the one computation behind the ``person_load`` rule (without a capacity of its
own) and the resources page, so that the two can never disagree.

An open, assigned item weighs on its assignee in the week it is due; an item past due weighs on the current week
(it is still to be done). Weeks start on Monday; the window is the current week and the ``weeks - 1`` after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass
class WeekLoad:
    load: float = 0.0
    projects: set[str] = field(default_factory=set)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def load_by_week(items: Iterable[tuple[str, str, date, float]], today: date, weeks: int
                 ) -> dict[tuple[str, date], WeekLoad]:
    """``items``: (person, project, due, amount) of open assigned work; (person, Monday) -> load and projects,
    for the weeks of the window only."""
    first = monday_of(today)
    end = first + timedelta(weeks=weeks)
    out: defaultdict[tuple[str, date], WeekLoad] = defaultdict(WeekLoad)
    for person, project, due, amount in items:
        if due >= end:
            continue
        week = max(monday_of(due), first)
        entry = out[(person, week)]
        entry.load += amount
        entry.projects.add(project)
    return dict(out)


def capacity_of(person: str, person_id: str | None, capacities: Mapping[str, float], default: float) -> float:
    """A person's weekly capacity: their own (by display name or account id), else the default."""
    return capacities.get(person, capacities.get(person_id or "", default))

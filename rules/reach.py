"""What a check of some projects must read of the others.

Most rules look at one issue and what hangs off it, all within its project. Portfolio rules (work in progress
per person or program, a person's load) count across projects: to check one project, pmokit reads the other
projects' issues these rules count, and no more. When every portfolio rule counts only open work (its kind
says so, or its scope says ``not done``), that is the open issues; when one may count done ones too, it is every
issue (without changelogs: no portfolio rule reads history); with no portfolio rule, none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from config.rule_specs import RuleSpec

from .kinds import KINDS

Reach = Literal["none", "open", "all"]


def excludes_done(where: str | None) -> bool:
    """Whether a scope's condition holds only for issues not done: ``not done``, alone or and-ed with others
    (an ``or`` anywhere, and nothing is promised)."""
    if not where:
        return False
    words = " ".join(where.casefold().split())
    if " or " in f" {words} ":
        return False
    return any(part.strip(" ()") == "not done" for part in words.split(" and "))


def portfolio_reach(rules: Iterable[RuleSpec]) -> Reach:
    reach: Reach = "none"
    for rule in rules:
        kind = KINDS.get(rule.kind)
        if kind is None or kind.portfolio is None:
            continue
        open_only = kind.counts_open_only is not None and kind.counts_open_only(rule)
        if not (open_only or excludes_done(rule.scope.where)):
            return "all"
        reach = "open"
    return reach

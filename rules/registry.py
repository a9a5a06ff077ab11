"""What a rule kind is: its check (and fast test, or portfolio check) and the events that can change its result.
The built-in kinds register themselves in ``rules.kinds``; the kind's YAML schema is ``config.rule_specs``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.rule_specs import RuleSpec
from pmokit.records import Issue

from .context import CheckContext
from .facts import IssueScope
from .results import Finding, Outcome

# Events that can change a result. An event re-evaluates only the rules whose kind lists it.
CREATED, FIELD_CHANGE, TRANSITION, COMMENT, LINK, SCHEDULED = (
    "created", "field_change", "transition", "comment", "link", "scheduled")
TRIGGERS = (CREATED, FIELD_CHANGE, TRANSITION, COMMENT, LINK, SCHEDULED)
# Not a trigger of any rule: the issue is gone (``jira:issue_deleted``); it leaves the store.
DELETED = "deleted"

# The callables take the kind's own spec class; ``Any`` here because each kind narrows it.
IssueCheck = Callable[[Any, IssueScope, CheckContext], Outcome]  # (spec, issue scope, context) -> outcome
# (spec, context) -> a test that is true exactly when the check would pass. The engine runs it on every issue in
# scope and the full, explained check only where it is false; a pass is explained when it is read.
FastPass = Callable[[Any, CheckContext], Callable[[Issue], bool]]
# (spec, every issue in the rule's scope, context) -> findings: a kind that looks across issues and projects.
PortfolioCheck = Callable[[Any, list[Issue], CheckContext], list[Finding]]


@dataclass(frozen=True)
class Kind:
    name: str
    spec: type[RuleSpec]
    check: IssueCheck
    triggers: frozenset[str]
    summary: str = ""
    fast_pass: FastPass | None = None
    portfolio: PortfolioCheck | None = None  # set for kinds that look across issues; `check` then reads one project
    # For a portfolio kind: whether a rule of it counts only issues that are not done (then a check of some
    # projects reads only the open issues of the others; see rules.reach).
    counts_open_only: Callable[[Any], bool] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        raise ValueError(f"rule kind '{kind.name}' is registered twice")
    KINDS[kind.name] = kind
    return kind

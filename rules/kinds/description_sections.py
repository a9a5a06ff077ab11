"""description_sections: the description must have each listed heading (English or Chinese name)."""

from __future__ import annotations

import re
from collections.abc import Callable

from config.base import Text
from config.rule_specs import DescriptionSections
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope
from ..registry import CREATED, FIELD_CHANGE, Kind, register
from ..results import Outcome
from ._verdict import verdict

# Jira wiki headings (h1. … h6.), Markdown headings, and a line in bold are all headings to a reader.
HEADING = re.compile(r"^\s*(?:h[1-6]\.\s+|#{1,6}\s+|\*)(?P<title>[^*\n]+?)\*?\s*:?\s*$", re.MULTILINE)


def headings(text: str) -> set[str]:
    return {m["title"].strip().casefold() for m in HEADING.finditer(text or "")}


def _names(section: Text) -> frozenset[str]:
    return frozenset({section.en.casefold(), (section.zh or "").casefold()} - {""})


def check(spec: DescriptionSections, scope: IssueScope, ctx: CheckContext) -> Outcome:
    found = headings(scope.issue.description)
    missing = tuple(s.get(ctx.language) for s in spec.sections if _names(s).isdisjoint(found))
    evidence = tuple(sorted(found))
    key = scope.issue.key
    return verdict(ctx, evidence, missing, ("the description has every section", "描述包含所有章节"),
                   ("the description lacks sections: {names}", "描述缺少章节：{names}"),
                   (f"Add headings {{names}} to the description of {key}.",
                    f"请在 {key} 的描述中添加章节：{{names}}。"))


def fast_pass(spec: DescriptionSections, ctx: CheckContext) -> Callable[[Issue], bool]:
    wanted = [_names(s) for s in spec.sections]

    def passes(issue: Issue) -> bool:
        text = (issue.description or "").casefold()
        # A heading's title is part of the text: a section named nowhere is missing, without parsing.
        if not all(any(name in text for name in names) for names in wanted):
            return False
        found = headings(issue.description)
        return all(not names.isdisjoint(found) for names in wanted)

    return passes


KIND = register(Kind("description_sections", DescriptionSections, check, frozenset({CREATED, FIELD_CHANGE}),
                     "headings the description must have", fast_pass=fast_pass))

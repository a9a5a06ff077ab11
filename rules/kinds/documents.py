"""documents: required documents, as an attachment, a remote link, or a labelled Confluence page."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from config.rule_specs import DocumentRequirement, Documents
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import Facts, IssueScope
from ..registry import CREATED, FIELD_CHANGE, LINK, SCHEDULED, Kind, register
from ..results import Outcome
from ._verdict import verdict


@functools.lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


def _found(need: DocumentRequirement, issue: Issue, facts: Facts) -> str | None:
    """Where the document is: an attachment's name, a link's title, or a labelled Confluence page."""
    if need.attachment:
        pattern = _pattern(need.attachment)
        for attachment in issue.attachments:
            if pattern.search(attachment.filename):
                return attachment.filename
    if need.link:
        pattern = _pattern(need.link)
        for link in issue.remote_links:
            if pattern.search(f"{link.title} {link.url}"):
                return link.title or link.url
    if need.confluence_label and (need.confluence_label in facts.documents.get(issue.key, ())
                                  or need.confluence_label in facts.documents.get(issue.project_key, ())):
        return f"Confluence page labelled {need.confluence_label}"
    return None


def check(spec: Documents, scope: IssueScope, ctx: CheckContext) -> Outcome:
    evidence, missing = [], []
    for need in spec.documents:
        where = _found(need, scope.issue, ctx.facts)
        if where:
            evidence.append(f"{need.name.get(ctx.language)}: {where}")
        else:
            missing.append(need.name.get(ctx.language))
    key = scope.issue.key
    return verdict(ctx, evidence, missing, ("every required document is there", "所需文档齐全"),
                   ("missing documents: {names}", "缺少文档：{names}"),
                   (f"Attach or link {{names}} on {key}.", f"请在 {key} 上附加或链接：{{names}}。"))


def fast_pass(spec: Documents, ctx: CheckContext) -> Callable[[Issue], bool]:
    needs, facts = spec.documents, ctx.facts
    return lambda issue: all(_found(need, issue, facts) for need in needs)


KIND = register(Kind("documents", Documents, check, frozenset({CREATED, FIELD_CHANGE, LINK, SCHEDULED}),
                     "documents as attachments, links or Confluence pages", fast_pass=fast_pass))

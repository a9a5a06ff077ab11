"""Project documents in Confluence: labelled pages under a project's page, kept in the store as evidence.

A page counts for a project when it, or a page above it, names the project: a label equal to the project's
key (``shop``) or a title that starts with it (``SHOP — Storefront``, ``SHOP-1 Feasibility``). Only the labels
that `documents` rules ask for are read, in one CQL query over the PMO space.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from config.rule_specs import Documents, RuleSpec
from config.secrets import MissingSecretError
from connector.confluence_client import ConfluenceConnector
from connector.errors import AtlassianError
from pmokit.runtime import Runtime
from pmokit.store.documents import replace_documents
from pmokit.store.issues import keys_of_type

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FoundPage:
    page_id: str
    title: str
    labels: tuple[str, ...]
    project_key: str


def wanted_labels(rules: Iterable[RuleSpec]) -> list[str]:
    """The Confluence labels the configured `documents` rules look for."""
    return sorted({need.confluence_label for rule in rules if isinstance(rule, Documents) for need in rule.documents
                   if need.confluence_label})


def owner(content: dict[str, Any], project_keys: Iterable[str]) -> str | None:
    """The project a page belongs to: by its own labels, then its title and its ancestors' titles (nearest first)."""
    keys = sorted(set(project_keys), key=len, reverse=True)  # SHOP-1 before SHOP
    labels = {label.get("name", "").casefold() for label in
              ((content.get("metadata") or {}).get("labels") or {}).get("results") or ()}
    for key in keys:
        if key.casefold() in labels:
            return key
    titles = [content.get("title", "")] + [a.get("title", "") for a in reversed(content.get("ancestors") or [])]
    for title in titles:
        for key in keys:
            if re.match(rf"{re.escape(key)}(?![\w-])", title, re.IGNORECASE):
                return key
    return None


def read_documents(confluence: ConfluenceConnector, space: str, labels: list[str],
                   project_keys: Iterable[str]) -> list[FoundPage]:
    if not labels:
        return []
    quoted = ", ".join(f'"{label}"' for label in labels)
    cql = f'type = page and space = "{space}" and label in ({quoted})'
    found = []
    keys = list(project_keys)
    for content in confluence.search(cql, expand="ancestors,metadata.labels"):
        project = owner(content, keys)
        page_labels = tuple(sorted(label.get("name", "") for label in
                                   ((content.get("metadata") or {}).get("labels") or {}).get("results") or ()))
        if project is None:
            log.info("Confluence page '%s' is labelled %s but belongs to no project of the portfolio",
                     content.get("title"), ", ".join(page_labels))
            continue
        found.append(FoundPage(str(content["id"]), content.get("title", ""), page_labels, project))
    return found


@dataclass(frozen=True)
class DocumentsRead:
    """What refreshing the documents did: the pages found, or why the ones known before still count."""

    pages: list[FoundPage]
    skipped: str = ""  # why nothing was read (no Confluence, no `documents` rule asks for a label)
    failed: str = ""  # Confluence could not be read: the last pages known still count

    def line(self) -> str:
        if self.failed:
            return f"Confluence documents were not refreshed (the last ones known still count): {self.failed}"
        if self.skipped:
            return f"documents: {self.skipped}"
        return (f"documents: {len(self.pages)} labelled Confluence page(s) in "
                f"{len({p.project_key for p in self.pages})} project(s)")


def refresh_documents(runtime: Runtime) -> DocumentsRead:
    """Read the labelled pages the `documents` rules look for into the store; a Confluence failure keeps what
    was known."""
    settings = runtime.settings
    labels = wanted_labels(settings.rules)
    if settings.confluence is None:
        return DocumentsRead([], skipped="no Confluence configured")
    if not labels:
        return DocumentsRead([], skipped="no rule looks for labelled Confluence pages")
    owners = list(settings.portfolio.project_keys)
    if settings.portfolio.project_unit != "jira_project":  # a page belongs to an epic (a record) by its key
        with runtime.sessions() as session:
            owners += keys_of_type(session, settings.portfolio.record_issue_type)
    try:
        pages = read_documents(runtime.confluence, settings.confluence.space, labels, owners)
    except (AtlassianError, MissingSecretError) as exc:  # the caller says so where its user reads it
        return DocumentsRead([], failed=str(exc))
    with runtime.sessions.begin() as session:
        replace_documents(session, ({"page_id": p.page_id, "project_key": p.project_key, "title": p.title,
                                     "labels": list(p.labels)} for p in pages))
    return DocumentsRead(pages)

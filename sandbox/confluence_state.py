"""Confluence's pages as the API sees them: finding pages and spaces, the page tree, and creating and updating a
page under Confluence's rules (unique titles in a space, ``version.number`` = current + 1, a storage body that
Confluence would parse). Call these under the state lock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, g, jsonify

from . import storage_check, storage_store
from .model import SPage, SSpace
from .responses import error, is_confluence_v2, site

TITLE_TAKEN = "A page with this title already exists: A page already exists with the same TITLE in this space"


def page(page_id: str) -> SPage | None:
    """The current (not trashed) page of this id."""
    found = site().state.pages.get(str(page_id))
    return found if found is not None and found.status == "current" else None


def space_by_key_or_id(ident: str) -> SSpace | None:
    state = site().state
    if ident in state.spaces:
        return state.spaces[ident]
    return next((s for s in state.spaces.values() if s.id == str(ident)), None)


def ancestors(of: SPage) -> list[SPage]:
    """The pages above ``of``, the top one first."""
    chain, current = [], of
    while current.parent_id:
        parent = site().state.pages.get(current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))


def children(of: SPage) -> list[SPage]:
    return [p for p in site().state.pages.values() if p.parent_id == of.id and p.status == "current"]


def by_title(space_key: str, title: str) -> SPage | None:
    return next((p for p in site().state.pages.values()
                 if p.space_key == space_key and p.title == title and p.status == "current"), None)


def title_taken(space_key: str, title: str, except_id: str | None = None) -> bool:
    found = by_title(space_key, title)
    return found is not None and found.id != except_id


# Confluence's page titles are at most 255 characters (its documented limit; longer ones are refused with 400).
MAX_TITLE = 255
TITLE_TOO_LONG = "Title cannot be longer than 255 characters."


def refuse_body(value: Any) -> Response | None:
    """Confluence's 400 for a body it would not store (see :mod:`sandbox.storage_check`), else None."""
    if not isinstance(value, str):
        return error(400, "Page body is missing or not a string.")
    problem = storage_check.check(value, cloud=site().confluence_cloud)
    if problem is None:
        return None
    if is_confluence_v2():
        return error(400, problem.message)
    # The v1 shape, as recorded from real sites: Cloud names the exception (chesshacker/terraform-provider-
    # confluence#7), Server does not (kovetskiy/mark#111); both say "valid": true and "authorized": false.
    prefix = "com.atlassian.confluence.api.service.exceptions.BadRequestException: " if site().confluence_cloud else ""
    response = jsonify({"statusCode": 400, "data": {"authorized": False, "valid": True, "allowedInReadOnlyMode": True,
                                                    "errors": [], "successful": False},
                        "message": prefix + problem.message, "reason": "Bad Request"})
    response.status_code = 400
    return response


def _written(kind: str = "page") -> None:
    site().changed()
    site().stats.write(kind)


def create(space: SSpace, title: str, parent_id: str | None, value: str) -> SPage | Response:
    """A new page (version 1) under ``parent_id`` or the space's home page; the body is checked already."""
    state = site().state
    if parent_id and page(parent_id) is None:
        return error(400, f"Can not find parent page with id {parent_id}")
    if len(title) > MAX_TITLE:
        return error(400, TITLE_TOO_LONG)
    if title_taken(space.key, title):
        return error(400, TITLE_TAKEN)
    now = datetime.now(UTC)
    created = SPage(id=str(state.next_id("page")), title=title, space_key=space.key,
                    parent_id=str(parent_id) if parent_id else space.homepage_id,
                    body=storage_store.as_stored(value),  # Confluence's serialisation, not the bytes sent
                    version=1, created=now, updated=now, author=g.user)
    state.pages[created.id] = created
    _written()
    return created


def update(target: SPage, number: Any, title: str | None, value: str | None, minor: bool,
           parent_id: str | None = None, message: Any = "") -> Response | None:
    """Apply an update; None when done, else the error response (nothing is changed then)."""
    if site().faults.take_conflict():
        return error(409, f"Version must be incremented on update. Current version is: {target.version}")
    if not isinstance(number, int) or number != target.version + 1:
        return error(409, f"Version must be incremented on update. Current version is: {target.version}")
    if title is not None and len(title) > MAX_TITLE:
        return error(400, TITLE_TOO_LONG)
    if value is not None:
        refusal = refuse_body(value)
        if refusal:
            return refusal
    if title and title != target.title and title_taken(target.space_key, title, target.id):
        return error(400, TITLE_TAKEN)
    if value is not None:
        target.body = storage_store.as_stored(value)  # Confluence's serialisation, not the bytes sent
    if title:
        target.title = title
    if parent_id and page(parent_id) is not None:
        target.parent_id = str(parent_id)
    target.version = number
    target.minor_edit = minor
    target.version_message = message if isinstance(message, str) else ""
    target.updated = datetime.now(UTC)
    target.author = g.user
    _written()
    return None


def trash(target: SPage) -> None:
    target.status = "trashed"
    _written()

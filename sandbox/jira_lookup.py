"""What every Jira route needs: the renderer for its API version, the caller, and the issue or comment of its
URL, looked up under the state lock, or Jira's 404."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, g

from .model import SIssue, SUser
from .render import Renderer
from .responses import error, site

API = "/rest/api/<any('2','3'):version>"


def renderer(version: str) -> Renderer:
    return Renderer(site().state, site().base_url, int(version))


def me() -> SUser:
    return site().state.users[g.user]


def find_issue(id_or_key: str) -> SIssue | None:
    return site().state.issue(id_or_key)


def not_found_issue() -> Response:
    return error(404, "Issue does not exist or you do not have permission to see it.")


def with_issue(route: Callable[..., Response]) -> Callable[..., Response]:
    """The route gets the issue of its `id_or_key`, looked up under the state lock, or Jira's 404."""

    @functools.wraps(route)
    def wrapper(*args: Any, id_or_key: str, **kwargs: Any) -> Response:
        with site().state.lock:
            issue = find_issue(id_or_key)
            if issue is None:
                return not_found_issue()
            return route(*args, issue=issue, **kwargs)

    return wrapper


def find_comment(id_or_key: str, comment_id: str) -> tuple[SIssue, dict[str, Any]] | Response:
    """The issue and one of its comments, or Jira's 404 for whichever is missing (call under the lock)."""
    issue = find_issue(id_or_key)
    if issue is None:
        return not_found_issue()
    found = next((c for c in issue.comments if c["id"] == comment_id), None)
    if found is None:
        return error(404, "Can not find a comment for the id: " + comment_id)
    return issue, found


def with_comment(route: Callable[..., Response]) -> Callable[..., Response]:
    """The route gets the issue and the comment of its URL, looked up under the state lock, or Jira's 404."""

    @functools.wraps(route)
    def wrapper(*args: Any, id_or_key: str, comment_id: str, **kwargs: Any) -> Response:
        with site().state.lock:
            found = find_comment(id_or_key, comment_id)
            if isinstance(found, Response):
                return found
            issue, comment_ = found
            return route(*args, issue=issue, comment=comment_, **kwargs)

    return wrapper

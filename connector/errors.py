"""Errors the connector raises: each says what failed, where, and as whom — never with a secret."""

from __future__ import annotations


class AtlassianError(Exception):
    """A call to Jira or Confluence failed."""

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status, self.url = status, url


class AuthenticationError(AtlassianError):
    """401: the credentials were refused."""


class PermissionDenied(AtlassianError):
    """403: the account may not do this."""


class NotFound(AtlassianError):
    """404: no such thing, or not visible to the account."""


class BadRequest(AtlassianError):
    """400: Atlassian refused the request; the message carries its errorMessages."""


class Conflict(AtlassianError):
    """409: a stale version (Confluence)."""


class GaveUp(AtlassianError):
    """Retries ran out (time or attempts) on 429s, 5xx or connection errors."""


class Unreachable(AtlassianError):
    """The workflow offers no way from where an issue is to where it should go: trying again will not help."""

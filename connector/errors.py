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


class OutcomeUnknown(AtlassianError):
    """A write that may have been applied: it was sent, and then the answer was lost (a read time-out, the
    connection closed after sending) or was a 5xx. The transport does not send it again; the caller reads what is
    there and decides (see ``connector.transport``)."""

    def __init__(self, message: str, *, method: str, status: int | None = None, url: str | None = None):
        super().__init__(message, status=status, url=url)
        self.method = method


class Unreachable(AtlassianError):
    """No path through the workflow's available transitions leads to the status asked for. Retrying cannot
    help: the message says where the issue is, where it should go, and which statuses it can reach."""

    def __init__(self, message: str, *, key: str, at: str, target: str, reachable: tuple[str, ...]):
        super().__init__(message)
        self.key, self.at, self.target, self.reachable = key, at, target, reachable

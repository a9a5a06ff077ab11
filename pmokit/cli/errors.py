"""Errors a user can fix: printed as one clear line, with a meaningful exit code."""


class UserError(Exception):
    exit_code = 1


class UsageError(UserError):
    exit_code = 2


class ServiceError(UserError):
    """Jira or Confluence did not do what was asked (after retries)."""

    exit_code = 3

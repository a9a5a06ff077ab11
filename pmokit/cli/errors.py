"""Errors a user can fix: printed as one clear line, with a meaningful exit code."""


class UserError(Exception):
    exit_code = 1


class UsageError(UserError):
    exit_code = 2

"""The store's one error a user sees, importable without the database libraries (the command line catches it)."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used as configured (its URL, its driver, its file's directory, its server): one line
    that says which store and why, never a password."""

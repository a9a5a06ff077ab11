"""The pmokit store: issue snapshot, sync cursors, changelog and, later, inbox, audit and history."""

from .engine import make_engine, resolve_url, session_factory
from .migrate import current_revision, head_revision, upgrade

__all__ = ["current_revision", "head_revision", "make_engine", "resolve_url", "session_factory", "upgrade"]

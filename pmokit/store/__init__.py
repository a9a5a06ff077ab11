"""The pmokit store: the issue snapshot and changelog, sync cursors, the webhook inbox, the audit log, what was
published, status history. It persists and reads; it decides nothing and knows no other package of pmokit."""

from .engine import Store, StoreError, make_engine, open_store, resolve_url, session_factory
from .migrate import current_revision, head_revision, upgrade

__all__ = ["Store", "StoreError", "current_revision", "head_revision", "make_engine", "open_store", "resolve_url",
           "session_factory", "upgrade"]

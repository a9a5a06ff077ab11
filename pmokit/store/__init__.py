"""The pmokit store: the issue snapshot and changelog, sync cursors, the webhook inbox, the audit log, what was
published, status history. It persists and reads; it decides nothing and knows no other package of pmokit.

The names below load on first use (PEP 562): a command that never opens the store (``config validate``,
``rules test``, ``--help``) does not pay for SQLAlchemy and Alembic at start-up."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import StoreError

if TYPE_CHECKING:
    from .engine import Store, make_engine, open_store, resolve_url, session_factory
    from .migrate import current_revision, head_revision, upgrade

_LAZY = {"Store": ".engine", "make_engine": ".engine", "open_store": ".engine", "resolve_url": ".engine",
         "session_factory": ".engine", "current_revision": ".migrate", "head_revision": ".migrate",
         "upgrade": ".migrate"}

__all__ = ["Store", "StoreError", "current_revision", "head_revision", "make_engine", "open_store", "resolve_url",
           "session_factory", "upgrade"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value

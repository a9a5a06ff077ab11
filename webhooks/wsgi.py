"""A WSGI entry point for servers other than `pmokit serve`'s own (e.g. ``gunicorn webhooks.wsgi:app``).

The configuration comes from ``PMOKIT_CONFIG`` (or ./pmokit.yaml). This serves the receiver only: run
`pmokit worker` beside it to act on the inbox.
"""

from __future__ import annotations

from config import load_settings
from config.loader import resolve_config_paths

from .app import create_app

app = create_app(load_settings(resolve_config_paths(None)))

"""A WSGI entry point for servers other than `pmokit serve`'s own (e.g. ``gunicorn webhooks.wsgi:app``).

The configuration comes from ``PMOKIT_CONFIG`` (or ./pmokit.yaml). This serves the receiver only: run
`pmokit worker` beside it to act on the inbox.
"""

from __future__ import annotations

from config import load_settings
from config.loader import resolve_config_paths

from .app import create_app, insecure_from_environment

# Only the secrets the receiver reads: the webhook secret (required, unless PMOKIT_INSECURE_NO_SIGNATURE=1) and the
# store's. No Jira or Confluence token is read here.
app = create_app(load_settings(resolve_config_paths(None), require_secrets=("webhooks", "store")),
                 insecure_no_signature=insecure_from_environment())

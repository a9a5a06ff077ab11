"""A WSGI entry point for servers other than `pmokit serve`'s own (e.g. ``gunicorn webhooks.wsgi:app``).

The configuration comes from ``PMOKIT_CONFIG`` (or ./pmokit.yaml). This serves the receiver only: run
`pmokit worker` beside it to act on the inbox.
"""

from __future__ import annotations

import gc
import sys

from config import load_settings
from config.loader import resolve_config_paths

from .app import create_app

app = create_app(load_settings(resolve_config_paths(None)))

# What was loaded at start-up lives as long as the process: keep it out of the cyclic collector's full passes,
# whose pauses were the receiver's slowest acknowledgements.
gc.collect()
gc.freeze()
sys.setswitchinterval(0.001)

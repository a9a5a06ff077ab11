"""A running sandbox site: its state, faults, stats, webhook dispatcher, and how its state is kept."""

from __future__ import annotations

import logging
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .faults import Faults
from .model import SiteState
from .stats import Stats

log = logging.getLogger(__name__)


@dataclass
class Site:
    state: SiteState
    faults: Faults = field(default_factory=Faults)
    stats: Stats = field(default_factory=Stats)
    base_url: str = "http://127.0.0.1:8765"
    state_path: Path | None = None
    dispatcher: Any = None  # sandbox.webhooks.Dispatcher, set by the server
    dc_max_results: int = 1000  # Data Center caps maxResults of /search server-side
    max_url_bytes: int | None = None  # longer request URIs get Tomcat's 400 page (Data Center: 8192 by default)
    search_lag_ms: float = 0.0  # Cloud's search/jql does not yet find issues created less than this long ago
    confluence_flavor: str = "cloud"  # Confluence's own flavour: cloud (under /wiki) or datacenter (/confluence)
    _saver: threading.Timer | None = field(default=None, repr=False)

    @property
    def cloud(self) -> bool:
        """Jira's flavour."""
        return self.state.flavor == "cloud"

    @property
    def confluence_cloud(self) -> bool:
        return self.confluence_flavor == "cloud"

    @property
    def context_path(self) -> str:
        """Confluence's context path: Cloud serves it under /wiki; a Data Center under its own (the sandbox's is
        /confluence, the path Atlassian's Data Center REST documentation uses in its examples)."""
        return "/wiki" if self.confluence_cloud else "/confluence"

    def changed(self) -> None:
        """Call after every write: bumps the version and schedules a save when state is kept on disk."""
        self.state.touch()
        if self.state_path is not None and self._saver is None:
            self._saver = threading.Timer(1.0, self.save)
            self._saver.daemon = True
            self._saver.start()

    def save(self) -> None:
        self._saver = None
        if self.state_path is None:
            return
        with self.state.lock:
            data = pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL)
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(self.state_path)
        log.debug("sandbox state saved to %s", self.state_path)


def load_state(path: Path) -> SiteState | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return pickle.load(handle)  # the sandbox's own file, written by Site.save

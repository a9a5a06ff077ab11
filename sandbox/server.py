"""Run a sandbox: on loopback, in a background thread (tests, the demo) or in the foreground (the CLI)."""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests
import requests.auth
from waitress.server import create_server

from . import jira_permissions
from .app import create_app
from .catalog import BOT
from .faults import Faults
from .model import SiteState
from .seed import SeedOptions, build
from .site import Site, load_state
from .webhooks import Dispatcher

log = logging.getLogger(__name__)

ADMIN_EMAIL = "admin@example.com"
ADMIN_TOKEN = "sandbox"
BOT_EMAIL = "pmokit-bot@example.com"
BOT_NAME = "pmokit-bot"
BOT_TOKEN = "sandbox-pmokit-bot"
BOT_ACCOUNT_ID = BOT.account_id


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 8765  # 0: any free port
    seed: str = "demo"  # demo | demo-epics (each project an epic) | empty | path to a seed file
    issues: int = 3000
    flavor: str = "cloud"  # cloud | datacenter
    latency_ms: float = 0.0
    state_path: Path | None = None
    faults: dict[str, Any] = field(default_factory=dict)
    seed_options: SeedOptions | None = None
    anchor: date | None = None
    threads: int = 16
    webhook_backoff: float = 0.5
    webhook_attempts: int = 5
    webhook_retry_seconds: float = 0.5  # a retry comes up to this much later than its backoff (Jira: up to 1800)
    dc_max_results: int = 1000
    user_timezone: str | None = None  # the site's default user time zone (times written in it); None: UTC
    max_url_bytes: int | None = None  # None: 8192 on Data Center (Tomcat's header limit), none on Cloud; 0: none
    search_lag_ms: float = 0.0  # Cloud: search/jql finds an issue only this long after it was created
    confluence_flavor: str = "cloud"  # cloud (under /wiki, v1 and v2) | datacenter (under /confluence, v1 only)


class Sandbox:
    """A running sandbox. ``with Sandbox.start(...) as sb:`` stops it on exit."""

    def __init__(self, options: SandboxOptions):
        if options.flavor not in ("cloud", "datacenter"):
            raise ValueError("flavor must be 'cloud' or 'datacenter'")
        if options.confluence_flavor not in ("cloud", "datacenter"):
            raise ValueError("confluence_flavor must be 'cloud' or 'datacenter'")
        self.options = options
        state = load_state(options.state_path) if options.state_path else None
        if state is None:
            seed_options = options.seed_options or SeedOptions(issues=options.issues, anchor=options.anchor)
            state = build(options.seed if options.seed in ("demo", "demo-epics", "empty") else Path(options.seed),
                          options.flavor, seed_options)
        state.flavor = options.flavor
        if options.user_timezone:
            ZoneInfo(options.user_timezone)  # an unknown zone is refused here, not at the first answer
            state.time_zone = options.user_timezone
            for user in state.users.values():  # everyone keeps the site's default
                user.time_zone = options.user_timezone
        faults = dict(options.faults)
        if options.latency_ms:
            faults.setdefault("latency_ms", options.latency_ms)
        self.site = Site(state=state, faults=Faults(faults), state_path=options.state_path,
                         dc_max_results=options.dc_max_results,
                         max_url_bytes=(options.max_url_bytes if options.max_url_bytes is not None
                                        else None if options.flavor == "cloud" else 8192) or None,
                         search_lag_ms=options.search_lag_ms if options.flavor == "cloud" else 0.0,
                         confluence_flavor=options.confluence_flavor)
        self.app = create_app(self.site)
        # waitress: keep-alive, TCP_NODELAY by default; enough threads that latency faults overlap.
        # waitress's server internals (its trigger, map and task dispatcher) are used to stop it cleanly.
        self._server: Any = cast(Any, create_server(
            self.app, host=options.host, port=options.port, threads=options.threads, channel_timeout=120,
            connection_limit=1000, ident="pmokit-sandbox"))
        self.port = int(self._server.effective_port)
        self.url = f"http://{options.host}:{self.port}"
        self.site.base_url = self.url
        if options.webhook_retry_seconds < 0:
            raise ValueError("webhook_retry_seconds must not be negative")
        self.site.dispatcher = Dispatcher(self.site, backoff=options.webhook_backoff,
                                          max_attempts=options.webhook_attempts,
                                          retry_spread=options.webhook_retry_seconds)
        self._thread: threading.Thread | None = None

    @classmethod
    def start(cls, **kwargs: Any) -> Sandbox:
        """Start one in a background thread; ``port`` defaults to any free port."""
        kwargs.setdefault("port", 0)
        sandbox = cls(SandboxOptions(**kwargs))
        sandbox._thread = threading.Thread(target=sandbox._server.run, name="pmokit-sandbox", daemon=True)
        sandbox._thread.start()
        return sandbox

    def serve_forever(self) -> None:
        try:
            self._server.run()
        finally:
            self.close()

    def close(self) -> None:
        self.site.dispatcher.stop()
        self._stop_server()
        if self.site.state_path is not None:
            self.site.save()

    def _stop_server(self) -> None:
        """Let running requests finish, then close every connection and the server from the loop's thread."""
        server = self._server
        pull = server.trigger._physical_pull

        def pull_unless_closed() -> None:
            # A request finishing after the trigger closed: nothing is left to wake.
            with contextlib.suppress(OSError):
                pull()

        server.trigger._physical_pull = pull_unless_closed
        server.task_dispatcher.shutdown(timeout=2)

        def close_everything() -> None:
            for channel in list(server._map.values()):
                if channel is not server and channel is not server.trigger:
                    try:
                        channel.handle_close()
                    except OSError:  # a connection the client already dropped
                        channel.del_channel()
            server.close()  # the listener, and the trigger with it: the loop ends with an empty map

        if self._thread is not None and self._thread.is_alive():
            server.trigger.pull_trigger(close_everything)
            self._thread.join(timeout=5)
        else:
            close_everything()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- conveniences for tests and benchmarks -------------------------------------------------------
    @property
    def state(self) -> SiteState:
        return self.site.state

    @property
    def wiki_url(self) -> str:
        """Confluence's base URL: the site and Confluence's context path (/wiki on Cloud, /confluence on Data
        Center), what a client is given as Confluence's URL."""
        return f"{self.url}{self.site.context_path}"

    def stats(self) -> dict[str, Any]:
        return self.site.stats.snapshot()

    def reset_stats(self) -> None:
        self.site.stats.reset()

    def set_faults(self, **spec: Any) -> None:
        self.site.faults.configure(spec)

    def revoke_permission(self, user: str, project: str, *permissions: str) -> None:
        """Take project permissions (``TRANSITION_ISSUES``, ...) away from a user (account id, name or e-mail) on a
        project: Jira reports them missing (``mypermissions``) and refuses what they allow."""
        jira_permissions.change(self.state, user, project, revoke=permissions)

    def grant_permission(self, user: str, project: str, *permissions: str) -> None:
        jira_permissions.change(self.state, user, project, grant=permissions)

    def flush_webhooks(self, timeout: float = 30.0) -> bool:
        return self.site.dispatcher.flush(timeout)

    def session(self, email: str = ADMIN_EMAIL, token: str = ADMIN_TOKEN) -> requests.Session:
        """A requests session authenticated as a sandbox user (the admin by default), the way each product of
        the site takes it: Basic with the email and API token on Cloud, the token as a bearer token (a personal
        access token) on Data Center."""
        session = requests.Session()
        session.auth = _ProductAuth(self.site.context_path, email, token, jira_cloud=self.options.flavor == "cloud",
                                    confluence_cloud=self.options.confluence_flavor == "cloud")
        session.headers["Accept"] = "application/json"
        return session


class _ProductAuth(requests.auth.AuthBase):
    """Basic or bearer by the product a request goes to (Jira and Confluence may be of different flavours)."""

    def __init__(self, context_path: str, email: str, token: str, *, jira_cloud: bool, confluence_cloud: bool):
        self.context_path, self.email, self.token = context_path, email, token
        self.jira_cloud, self.confluence_cloud = jira_cloud, confluence_cloud

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path = urlsplit(r.url or "").path
        cloud = self.confluence_cloud if path.startswith(f"{self.context_path}/") else self.jira_cloud
        if cloud:
            return requests.auth.HTTPBasicAuth(self.email, self.token)(r)
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def startup_line(sandbox: Sandbox) -> str:
    def auth(flavor: str) -> str:
        return (f"email {ADMIN_EMAIL} with API token '{ADMIN_TOKEN}'" if flavor == "cloud"
                else f"bearer token '{ADMIN_TOKEN}' (or user admin, password '{ADMIN_TOKEN}')")

    jira, confluence = sandbox.options.flavor, sandbox.options.confluence_flavor
    admin = auth(jira) if jira == confluence else f"Jira {auth(jira)}, Confluence {auth(confluence)}"
    bot = {"cloud": f"{BOT_EMAIL} / '{BOT_TOKEN}'", "datacenter": f"bearer token '{BOT_TOKEN}'"}
    bots = bot[jira] if jira == confluence else f"Jira {bot[jira]}, Confluence {bot[confluence]}"
    state = sandbox.state
    return (f"pmokit sandbox (Jira {jira}, Confluence {confluence}) at {sandbox.url} — Jira {sandbox.url}/rest, "
            f"Confluence {sandbox.wiki_url}; {len(state.live_issues())} issues in {len(state.projects)} projects; "
            f"admin: {admin}; pmokit's bot: {bots}; controls: {sandbox.url}/_sandbox/")

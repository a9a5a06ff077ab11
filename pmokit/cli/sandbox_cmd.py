"""``pmokit sandbox``: a local Jira and Confluence to try pmokit on, and a configuration pointing at it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import UsageError


@click.group("sandbox")
def sandbox_group() -> None:
    """A local Jira and Confluence that speak Atlassian's REST API."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int, help="0 picks a free port.")
@click.option("--seed", default="demo", show_default=True, help="demo, empty, or a seed file (YAML or JSON).")
@click.option("--issues", default=3000, show_default=True, type=click.IntRange(20, 2_000_000),
              help="Scale the demo seed to about this many issues.")
@click.option("--flavor", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True,
              help="Jira's flavour.")
@click.option("--confluence-flavor", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True,
              help="Confluence's flavour: Cloud under /wiki (REST v1 and v2), or Data Center under /confluence (REST "
                   "v1, personal access tokens).")
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0, 60_000),
              help="Latency added to every request.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the sandbox's state in this file across restarts.")
@click.option("--faults", "faults_json", help="Faults as JSON (the body /_sandbox/faults takes).")
@click.option("--user-timezone", metavar="ZONE",
              help="The site's default user time zone (e.g. America/New_York): times are written in it, with "
                   "the offset of their day, and JQL dates are read in it. Default: UTC.")
@click.option("--max-url-bytes", type=click.IntRange(0, 10_000_000),
              help="Longer request URIs get a 400 with Tomcat's HTML page (default: 8192 on Data Center, as Tomcat "
                   "in front of it; no limit on Cloud; 0: no limit).")
@click.option("--search-lag-ms", type=click.FloatRange(0, 600_000), default=0.0, show_default=True,
              help="Cloud: search/jql finds an issue only this long after it was created (eventually consistent).")
@click.option("--webhook-retry-seconds", type=click.FloatRange(0, 7200), default=0.5, show_default=True,
              help="A failed webhook delivery is tried again after its backoff and up to this many seconds more, "
                   "at random, so that retries come late and after later events (Jira Cloud: up to 1800).")
def serve_command(host: str, port: int, seed: str, issues: int, flavor: str, confluence_flavor: str,
                  latency_ms: float, state_path: Path | None, faults_json: str | None, user_timezone: str | None,
                  max_url_bytes: int | None, search_lag_ms: float, webhook_retry_seconds: float) -> None:
    """Serve Jira under /rest and Confluence under /wiki (Cloud) or /confluence (Data Center) until interrupted."""
    from sandbox import Sandbox, SandboxOptions
    from sandbox.server import startup_line

    if seed not in ("demo", "empty") and not Path(seed).is_file():
        raise UsageError(f"--seed: '{seed}' is neither 'demo', 'empty' nor a seed file")
    faults = {}
    if faults_json:
        try:
            faults = json.loads(faults_json)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--faults is not JSON: {exc}") from None
    try:
        sandbox = Sandbox(SandboxOptions(host=host, port=port, seed=seed, issues=issues, flavor=flavor,
                                         latency_ms=latency_ms, state_path=state_path, faults=faults,
                                         user_timezone=user_timezone, max_url_bytes=max_url_bytes,
                                         search_lag_ms=search_lag_ms, confluence_flavor=confluence_flavor,
                                         webhook_retry_seconds=webhook_retry_seconds))
    except (OSError, ValueError, KeyError) as exc:  # KeyError: ZoneInfoNotFoundError, an unknown time zone
        raise UsageError(f"cannot start the sandbox: {exc}") from None
    click.echo(startup_line(sandbox), err=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        click.echo("sandbox stopped", err=True)


@sandbox_group.command("config")
@click.option("--url", default="http://127.0.0.1:8765", show_default=True, help="The sandbox's base URL.")
@click.option("--webhook-secret", default="sandbox", show_default=True,
              help="The secret the sandbox signs with. Any other than the sandbox's own is not written out: the "
                   "configuration reads it from PMOKIT_WEBHOOK_SECRET.")
@click.option("--webhook-secret-file", metavar="PATH",
              help="A file holding the webhook secret, named in the configuration as ${file:PATH}.")
@click.option("--flavor", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True,
              help="The sandbox's Jira flavour (as given to `sandbox serve`).")
@click.option("--confluence-flavor", type=click.Choice(["cloud", "datacenter"]), default="cloud", show_default=True,
              help="The sandbox's Confluence flavour (as given to `sandbox serve`).")
@click.option("--store", default="sqlite:///pmokit.db", show_default=True, help="Store URL for this configuration.")
def config_command(url: str, webhook_secret: str, webhook_secret_file: str | None, flavor: str,
                   confluence_flavor: str, store: str) -> None:
    """Print a complete configuration: the example PMO standard, pointed at a sandbox."""
    from .sandbox_config import SANDBOX_WEBHOOK_SECRET, sandbox_config

    own = webhook_secret == SANDBOX_WEBHOOK_SECRET
    click.echo(sandbox_config(url.rstrip("/"), webhook_secret if own else None, flavor, store,
                              webhook_secret_file=webhook_secret_file, confluence_flavor=confluence_flavor), nl=False)
    if not own and not webhook_secret_file:
        click.echo("pmokit: the webhook secret is not written into the configuration: set PMOKIT_WEBHOOK_SECRET "
                   "to it where pmokit runs (or give --webhook-secret-file)", err=True)

"""``pmokit webhook register|list|delete``: pmokit's webhook in Jira (an admin webhook, Cloud or Data Center).

``register`` asks Jira to send the events pmokit acts on, for the portfolio's projects, signed with
``webhooks.secret``, to PUBLIC_URL + ``webhooks.path`` (``--url``, else ``webhooks.public_url``). Run twice, it
leaves one webhook: an existing one for that URL is updated when it differs, else left alone. Jira never shows a
webhook's secret, so pmokit keeps a salted fingerprint of the one it gave (in its store) to know whether to send
it again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from connector.errors import AtlassianError, PermissionDenied

from .context import CliState, pass_state
from .errors import ServiceError, UsageError

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from config.models import Settings
    from connector.jira_webhooks import JiraWebhooks, Wanted, Webhook
    from pmokit.runtime import Runtime

NAME = "pmokit"
ITERATIONS = 200_000


@click.group("webhook")
def webhook_group() -> None:
    """pmokit's webhook in Jira: register it, list the site's webhooks, delete pmokit's."""


def receiver_url(settings: Settings, url: str | None) -> str | None:
    """PUBLIC_URL + webhooks.path (``url`` wins over webhooks.public_url); a URL that already ends with the path
    is taken as it is."""
    base = url or settings.webhooks.public_url or ""
    if base and not base.startswith(("http://", "https://")):
        raise UsageError(f"--url '{url}': give the http(s) URL Jira reaches pmokit at, e.g. https://pmokit.example.com")
    return settings.webhooks.url_at(url)


def wanted_for(settings: Settings, url: str) -> Wanted:
    from connector.jira_webhooks import Wanted
    from webhooks.events import HANDLED_EVENTS

    keys = ", ".join(settings.portfolio.project_keys)
    secret = settings.webhooks.secret.reveal() if settings.webhooks.secret is not None else None
    return Wanted(name=f"{NAME} ({settings.portfolio.name.en})", url=url, events=HANDLED_EVENTS,
                  jql=f"project in ({keys})", secret=secret or None)


def is_pmokits(hook: Webhook, url: str | None) -> bool:
    return hook.url == url or hook.name == NAME or hook.name.startswith(f"{NAME} (")


def _open(state: CliState, needs: tuple[str, ...]) -> tuple[Settings, Runtime, JiraWebhooks]:
    from connector.jira_webhooks import JiraWebhooks
    from pmokit.runtime import open_runtime

    settings = state.settings(require_secrets=needs)
    runtime = open_runtime(settings)
    return settings, runtime, JiraWebhooks(runtime.jira)


def _failed(exc: AtlassianError, runtime: Runtime) -> ServiceError:
    if isinstance(exc, PermissionDenied):
        return ServiceError(f"{exc} (Jira's webhooks are an administrator's: run this with the credentials of an "
                            f"account with the Administer Jira permission)")
    return ServiceError(str(exc))


# -- the secret Jira was given, remembered as a salted fingerprint ---------------------------------------------
def _memory(runtime: Runtime) -> MutableMapping[str, Any]:
    from pmokit.store.cache import StoreCache

    return StoreCache(runtime.sessions, f"{runtime.settings.jira.url}#webhook-secrets", max_age=timedelta(days=36500))


def _fingerprint(secret: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, ITERATIONS).hex()


def _given(memory: MutableMapping[str, Any], hook: Webhook, secret: str | None) -> bool:
    """Whether pmokit gave ``hook`` this secret (or, with none, gave it none)."""
    record = memory.get(hook.self_url)
    if not isinstance(record, dict):
        return False
    if secret is None:
        return record.get("none") is True
    salt = bytes.fromhex(str(record.get("salt", "")))
    return bool(salt) and hmac.compare_digest(_fingerprint(secret, salt), str(record.get("hash", "")))


def _remember(memory: MutableMapping[str, Any], hook: Webhook, secret: str | None) -> None:
    if secret is None:
        memory[hook.self_url] = {"none": True}
        return
    salt = secrets.token_bytes(16)
    memory[hook.self_url] = {"salt": salt.hex(), "hash": _fingerprint(secret, salt), "iterations": ITERATIONS}


# -- the commands ---------------------------------------------------------------------------------------------
@webhook_group.command("register")
@click.option("--url", "public_url", metavar="PUBLIC_URL",
              help="Where Jira reaches pmokit from outside (default: webhooks.public_url); webhooks.path is added.")
@pass_state
def register_command(state: CliState, public_url: str | None) -> None:
    """Register pmokit's webhook in Jira (or bring an existing one for the same URL up to date)."""
    settings, runtime, hooks = _open(state, ("jira", "webhooks", "store"))
    try:
        url = receiver_url(settings, public_url)
        if url is None:
            raise UsageError("where does Jira reach pmokit? give --url PUBLIC_URL or set webhooks.public_url")
        wanted = wanted_for(settings, url)
        memory = _memory(runtime)
        try:
            existing = [hook for hook in hooks.list() if hook.url == url]
            if not existing:
                made = hooks.create(wanted)
                _remember(memory, made, wanted.secret)
                click.echo(f"registered: {made.name} -> {made.url} ({made.self_url})")
            else:
                hook, *extra = existing
                changes = wanted.differences(hook)
                if not _given(memory, hook, wanted.secret):
                    changes.append("secret")
                if changes:
                    hook = hooks.update(hook, wanted)
                    _remember(memory, hook, wanted.secret)
                    click.echo(f"updated: {hook.name} -> {hook.url} ({', '.join(changes)}) ({hook.self_url})")
                else:
                    click.echo(f"unchanged: {hook.name} -> {hook.url} already has these events, this filter and "
                               f"this secret ({hook.self_url})")
                for duplicate in extra:
                    if hooks.delete(duplicate):
                        click.echo(f"deleted a second webhook for the same URL: {duplicate.name} "
                                   f"({duplicate.self_url})")
        except AtlassianError as exc:
            raise _failed(exc, runtime) from None
        click.echo(f"  events: {', '.join(wanted.events)}")
        click.echo(f"  filter: {wanted.jql}")
        if wanted.secret is None:
            click.echo("warning: no webhooks.secret: Jira will not sign deliveries, and `pmokit serve` refuses to "
                       "receive unsigned ones unless given --insecure-no-signature", err=True)
        elif runtime.jira.flavor != "cloud":
            click.echo("  secret: given to Jira; Data Center signs deliveries with it where its webhooks take a "
                       "secret (see docs/webhooks.md); unsigned deliveries are refused (401)")
        else:
            click.echo("  secret: given to Jira (X-Hub-Signature on every delivery)")
    finally:
        runtime.close()


@webhook_group.command("list")
@click.option("--url", "public_url", metavar="PUBLIC_URL", help="pmokit's public URL (default: webhooks.public_url).")
@pass_state
def list_command(state: CliState, public_url: str | None) -> None:
    """The site's webhooks, pmokit's marked: name, URL, events, enabled (never a secret)."""
    settings, runtime, hooks = _open(state, ("jira", "store"))
    try:
        url = receiver_url(settings, public_url)
        try:
            found = hooks.list()
        except AtlassianError as exc:
            raise _failed(exc, runtime) from None
        for hook in sorted(found, key=lambda h: (not is_pmokits(h, url), h.name, h.url)):
            mark = "pmokit" if is_pmokits(hook, url) else "other "
            click.echo(f"{mark}  {hook.name}  {hook.url}  [{', '.join(hook.events)}]  "
                       f"{'enabled' if hook.enabled else 'disabled'}" + (f"  filter: {hook.jql}" if hook.jql else ""))
        mine = sum(1 for hook in found if is_pmokits(hook, url))
        click.echo(f"{len(found)} webhook(s), {mine} of them pmokit's")
    finally:
        runtime.close()


@webhook_group.command("delete")
@click.argument("name", required=False)
@click.option("--url", "public_url", metavar="PUBLIC_URL",
              help="Delete the webhook for this public URL + webhooks.path (default: webhooks.public_url).")
@click.option("--all-pmokit", "every", is_flag=True, help="Delete every webhook of pmokit's (by name or URL).")
@pass_state
def delete_command(state: CliState, name: str | None, public_url: str | None, every: bool) -> None:
    """Delete pmokit's webhook: the one for pmokit's URL (default), the one named NAME, or --all-pmokit."""
    if name and every:
        raise UsageError("give NAME or --all-pmokit, not both")
    settings, runtime, hooks = _open(state, ("jira", "store"))
    try:
        url = receiver_url(settings, public_url)
        if not (name or every or url):
            raise UsageError("which webhook? give --url PUBLIC_URL (or set webhooks.public_url), a NAME, or "
                             "--all-pmokit")
        try:
            found = hooks.list()
            chosen = [h for h in found if (h.name == name if name else is_pmokits(h, url) if every else h.url == url)]
            if not chosen:
                what = f"named '{name}'" if name else "of pmokit's" if every else f"for {url}"
                click.echo(f"no webhook {what}: nothing deleted")
                return
            memory = _memory(runtime)
            for hook in chosen:
                done = hooks.delete(hook)
                memory.pop(hook.self_url, None)
                click.echo(f"{'deleted' if done else 'gone already'}: {hook.name} -> {hook.url} ({hook.self_url})")
        except AtlassianError as exc:
            raise _failed(exc, runtime) from None
    finally:
        runtime.close()

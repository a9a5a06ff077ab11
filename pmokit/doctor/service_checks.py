"""The checks beyond Jira's projects: Confluence's space and parent page, Jira's webhook for this instance, the
store, and the configured time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from connector.errors import NotFound, PermissionDenied
from pmokit.store import current_revision, head_revision, make_engine, resolve_url
from pmokit.store.inbox import last_received
from webhooks.events import HANDLED_EVENTS

from .context import Context
from .findings import Finding, failed, listed, passed
from .jira_checks import closest, where


# -- 8. Confluence ---------------------------------------------------------------------------------------------
def confluence(ctx: Context) -> Finding:
    """The space, and each page pmokit publishes under (``confluence.parent_page`` and the reports' own), found by
    title and asked what pmokit's account may do with it: the content expansion ``operations`` (Confluence's v1
    REST API on Cloud and on Data Center; a check that writes nothing)."""
    settings = ctx.settings.confluence
    if settings is None:
        return passed("confluence", "no confluence section: pmokit publishes no pages")
    wiki = ctx.confluence
    try:
        space = wiki.request("GET", f"space/{settings.space}") or {}
    except NotFound:
        return failed("confluence", f"Confluence at {settings.url} answers, but has no space {settings.space} (or "
                                    f"pmokit's account, {wiki.login}, cannot see it)",
                      f"set confluence.space to the key of an existing space"
                      f"{where(ctx.settings, 'confluence', 'space')}, or give pmokit's account View in the space's "
                      f"permissions")
    titles = [t for t in dict.fromkeys([settings.parent_page, *(d.parent_page for d in
                                                                 ctx.settings.reports.definitions.values())]) if t]
    problems, seen = [], []
    for title in titles:
        found = wiki.request("GET", "content", params={"spaceKey": settings.space, "title": title, "type": "page",
                                                       "expand": "operations,version"}).get("results") or []
        if not found:
            problems.append(f"space {settings.space} has no page titled '{title}'")
            continue
        page = found[0]
        allowed = {str(o.get("operation")) for o in page.get("operations") or []}
        if "update" not in allowed:
            problems.append(f"pmokit's account may not edit '{title}' (page {page.get('id')}): Confluence allows it "
                            f"{', '.join(sorted(allowed)) or 'nothing'}")
            continue
        seen.append(f"'{title}' (page {page.get('id')})")
    if problems:
        return failed("confluence", "; ".join(problems),
                      "create the page, or set confluence.parent_page (and reports.definitions.*.parent_page) to the "
                      "title of an existing page; give pmokit's account Add and Edit pages in the space and lift the "
                      "page's edit restrictions")
    under = f"parent page {', '.join(seen)} editable by pmokit's account ({wiki.login})" if seen else (
        "no parent page configured: the pages go to the top of the space")
    return passed("confluence", f"Confluence at {settings.url}: space {settings.space} ({space.get('name', '')}); "
                                f"{under}")


# -- 9. the webhook ----------------------------------------------------------------------------------------------
def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").casefold() == b.rstrip("/").casefold()


def webhook(ctx: Context) -> Finding:
    """A webhook registered in Jira (its admin API, ``/rest/webhooks/1.0/webhook``) calls this instance's URL
    (``webhooks.public_url`` + ``webhooks.path``), is enabled, sends the events pmokit handles, and
    ``webhooks.secret`` is set (Jira never shows a webhook's secret: that it is the same is seen on the first
    delivery, which pmokit refuses with 401 otherwise)."""
    settings = ctx.settings.webhooks
    url = settings.webhook_url
    events = ", ".join(HANDLED_EVENTS)
    register = (f"run pmokit webhook register (as an account with Administer Jira), or register it in Jira by hand "
                f"(Settings → System → WebHooks, or POST /rest/webhooks/1.0/webhook) with the URL "
                f"{url or 'of this instance'}, the events {events} and the secret of webhooks.secret")
    if url is None:
        return failed("webhook", "webhooks.public_url is not set: which webhook is this instance's cannot be told",
                      f"set webhooks.public_url to the address Jira reaches this instance at (e.g. "
                      f"https://pmo.example.com; the webhook is it followed by {settings.path})"
                      f"{where(ctx.settings, 'webhooks')}")
    try:
        hooks: list[dict[str, Any]] = list(ctx.jira.get("/rest/webhooks/1.0/webhook") or [])
    except PermissionDenied:
        unsigned = _secret_problems(settings)
        if unsigned:  # without a secret the inbox may hold unsigned deliveries: they prove nothing
            return failed("webhook", "; ".join(unsigned), f"set webhooks.secret to the secret the webhook signs with"
                                                          f"{where(ctx.settings, 'webhooks')}")
        return _webhook_seen_working(ctx, url, events)
    mine = [h for h in hooks if _same_url(str(h.get("url", "")), url)]
    if not mine:
        others = listed([f"{h.get('name')} → {h.get('url')}" for h in hooks]) or "none"
        return failed("webhook", f"no webhook in Jira calls {url} (registered: {others})", register)
    hook = next((h for h in mine if h.get("enabled", True)), mine[0])
    problems = []
    if not hook.get("enabled", True):
        problems.append(f"webhook '{hook.get('name')}' is disabled")
    missing = [e for e in HANDLED_EVENTS if e not in (hook.get("events") or [])]
    if missing:
        problems.append(f"webhook '{hook.get('name')}' does not send {', '.join(missing)}")
    problems += _secret_problems(settings)
    if problems:
        return failed("webhook", "; ".join(problems),
                      f"enable the webhook, add the events ({events}) and give it the same secret as "
                      f"webhooks.secret{where(ctx.settings, 'webhooks')}")
    jql = (hook.get("filters") or {}).get("issue-related-events-section")
    return passed("webhook", f"webhook '{hook.get('name')}' calls {url} with {len(HANDLED_EVENTS)} events"
                             f"{' for ' + jql if jql else ''}; webhooks.secret is set (Jira does not show the secret "
                             f"it signs with: a different one makes pmokit refuse the deliveries with 401)")


def _secret_problems(settings: Any) -> list[str]:
    """What is wrong with ``webhooks.secret``, in words (never its value)."""
    if settings.secret is None:
        return ["webhooks.secret is not set: deliveries cannot be told from forgeries"]
    try:
        if not settings.secret.reveal():
            return [f"webhooks.secret ({settings.secret.reference}) is empty"]
    except Exception as exc:  # the variable or file it names is missing: said, never the value
        return [f"webhooks.secret: {exc}"]
    return []


DELIVERY_EVIDENCE = timedelta(days=7)


def _webhook_seen_working(ctx: Context, url: str, events: str) -> Finding:
    """pmokit's account may not list Jira's webhooks (an admin right most bots should not hold). A delivery in the
    store's inbox in the last week shows one calls this instance and signs with its secret (unsigned or wrongly
    signed ones are refused before they are stored); which events it sends stays unseen, and is said."""
    last = _last_delivery(ctx)
    now = datetime.now(UTC)
    if last is not None and now - last <= DELIVERY_EVIDENCE:
        hours = max(0, int((now - last).total_seconds() // 3600))
        return passed("webhook", f"{ctx.account} may not list Jira's webhooks (that takes Administer Jira), but a "
                                 f"signed delivery arrived {last:%Y-%m-%d %H:%M} UTC ({hours} h ago): a webhook calls "
                                 f"this instance with webhooks.secret",
                      [f"which events it sends cannot be read without Administer Jira: it should send {events}"])
    seen = f" (the last delivery in the store is from {last:%Y-%m-%d})" if last else " (no delivery in the store yet)"
    return failed("webhook", f"{ctx.account} may not read Jira's webhooks (that takes Administer Jira){seen}",
                  f"ask a Jira administrator to run pmokit webhook register, or to check Settings → System → "
                  f"WebHooks for one calling {url} with the events {events}; doctor passes this check once a "
                  f"signed delivery has arrived")


def _last_delivery(ctx: Context) -> datetime | None:
    """The newest delivery in the inbox, None when the store cannot say (not there, not migrated: its own check
    says so)."""
    settings = ctx.settings
    parsed = make_url(resolve_url(settings.store.url, settings.base_dir))
    if parsed.drivername.startswith("sqlite") and not Path(parsed.database or "").exists():
        return None
    engine = make_engine(settings.store.url, settings.base_dir)
    try:
        with Session(engine) as session:
            last = last_received(session)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return last if last is None or last.tzinfo else last.replace(tzinfo=UTC)


# -- 10. the store ------------------------------------------------------------------------------------------------
def store(ctx: Context) -> Finding:
    """Reachable and migrated to the newest revision this pmokit knows (read only: nothing is created or migrated;
    ``pmokit db upgrade`` does that)."""
    settings = ctx.settings
    url = resolve_url(settings.store.url, settings.base_dir)
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    fix = f"run pmokit db upgrade (it creates the store and migrates it){where(settings, 'store')}"
    local = parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:")
    if local and not Path(parsed.database or "").exists():
        return failed("store", f"there is no store at {shown} yet", fix)
    engine = make_engine(settings.store.url, settings.base_dir)
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return failed("store", f"the store at {shown} cannot be read: {exc.__class__.__name__}: "
                               f"{getattr(exc, 'orig', None) or exc}",
                      f"check store.url, that the database is up and the credentials{where(settings, 'store')}")
    finally:
        engine.dispose()
    head = head_revision()
    if current != head:
        return failed("store", f"the store at {shown} is at revision {current or 'none (empty)'}, this pmokit's newest "
                               f"is {head}", fix)
    return passed("store", f"the store at {shown} is at the newest revision ({head})")


# -- 12. the time zone -----------------------------------------------------------------------------------------------
def timezone(ctx: Context) -> Finding:
    """``schedule.timezone``, in which the scheduled sync, reconcile and reports run: a name of the IANA time zone
    database."""
    name = ctx.settings.schedule.timezone
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        near = closest(name, sorted(available_timezones()))
        return failed("timezone", f"schedule.timezone '{name}' is no time zone"
                                  + (f" (did you mean '{near}'?)" if near else ""),
                      f"set schedule.timezone to an IANA name such as {near or 'Asia/Shanghai'} or UTC"
                      f"{where(ctx.settings, 'schedule', 'timezone')}")
    return passed("timezone", f"schedule.timezone {name} is a time zone (the schedule runs in it)")

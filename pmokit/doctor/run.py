"""The checks in the order they are shown, and running them: each on its own, so that one that fails — or raises,
or waits for a site that does not answer — never stops the others. Nothing a check says shows a secret."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config.models import Settings
from config.secrets import MissingSecretError
from connector.errors import AtlassianError, AuthenticationError, GaveUp, NotFound, PermissionDenied
from pmokit.logs import redact

from . import jira_checks, service_checks, workflow_check
from .context import Context
from .findings import Finding


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    run: Callable[[Context], Finding]
    product: str  # jira | confluence | store | config: what a failure to ask points at


CHECKS = (
    Check("jira", "Jira reachable, credentials valid", jira_checks.jira_reachable, "jira"),
    Check("bot", "jira.bot is the account pmokit signs in as", jira_checks.bot_account, "jira"),
    Check("permissions", "the bot's permissions on every governed project", jira_checks.permissions, "jira"),
    Check("fields", "mapped fields exist; what rules write is editable", jira_checks.fields, "jira"),
    Check("statuses", "issue types and phase statuses in every project", jira_checks.statuses, "jira"),
    Check("reverts", "gate reverts (and kill) have a way through the workflow", workflow_check.reverts, "jira"),
    Check("approvers", "approver users and groups resolve", jira_checks.approvers, "jira"),
    Check("confluence", "Confluence space and parent page, editable", service_checks.confluence, "confluence"),
    Check("webhook", "Jira's webhook for this instance", service_checks.webhook, "jira"),
    Check("store", "the store is reachable and migrated", service_checks.store, "store"),
    Check("clock", "clock skew against Jira", jira_checks.clock, "jira"),
    Check("timezone", "schedule.timezone is a time zone", service_checks.timezone, "config"),
)


def run_checks(settings: Settings, *, give_up_after: float = 20.0) -> list[Finding]:
    ctx = Context(settings, give_up_after=give_up_after)
    return [_clean(_one(check, ctx)) for check in CHECKS]


def _one(check: Check, ctx: Context) -> Finding:
    try:
        return check.run(ctx)
    except Exception as exc:
        return Finding(check.name, False, f"could not be checked: {_reason(exc)}", _fix_for(exc, check, ctx))


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, AtlassianError | MissingSecretError) else f"{exc.__class__.__name__}: {exc}"


def _fix_for(exc: Exception, check: Check, ctx: Context) -> str:
    section = check.product if check.product in ("jira", "confluence") else "store"
    url = (ctx.settings.jira.url if section == "jira" else
           ctx.settings.confluence.url if section == "confluence" and ctx.settings.confluence else "")
    if isinstance(exc, MissingSecretError):
        return "set the environment variable or create the file the secret refers to"
    if isinstance(exc, AuthenticationError):
        return (f"check {section}.auth: the e-mail and API token on Cloud, a personal access token (or user name and "
                f"password) on Data Center")
    if isinstance(exc, PermissionDenied):
        return f"give pmokit's account the permission the request above needs on {url}"
    if isinstance(exc, NotFound):
        return f"check {section}.url ({url}) and that pmokit's account can see what the request above asks"
    if isinstance(exc, GaveUp):
        return f"check that {url} is reachable from here ({section}.url, the network, a proxy)"
    return "see the reason above; run with -vv for the requests made"


def _clean(finding: Finding) -> Finding:
    """No secret in anything shown (every revealed value is replaced, as in the logs)."""
    return Finding(finding.check, finding.ok, redact(finding.detail),
                   redact(finding.fix) if finding.fix is not None else None,
                   tuple(redact(w) for w in finding.warnings))

"""``pmokit sandbox config``: a complete pmokit configuration pointed at a sandbox, the example standard with the
sandbox's credentials. The composition belongs to the command line; the sandbox only exports its bot's login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from config import DEFAULT_CONFIG
from config.yaml_source import load_sources
from sandbox import BOT_ACCOUNT_ID, BOT_EMAIL, BOT_NAME, BOT_TOKEN

SANDBOX_WEBHOOK_SECRET = "sandbox"  # the sandbox's own default: known to all, so no secret to keep


def webhook_secret_reference(secret: str | None = SANDBOX_WEBHOOK_SECRET, secret_file: str | None = None) -> str:
    """How the configuration names the webhook secret: a file, or PMOKIT_WEBHOOK_SECRET with ``secret`` as its
    default when that can be written as one (``}`` ends a default; ``None`` writes none)."""
    if secret_file:
        return f"${{file:{secret_file}}}"
    if secret is None or "}" in secret or not secret.isprintable():
        return "${PMOKIT_WEBHOOK_SECRET}"
    return f"${{PMOKIT_WEBHOOK_SECRET:-{secret}}}"


# With the demo's epics layout (seed "demo-epics"): each program's Jira project, whose epics are its projects.
EPIC_PROJECTS = {"storefront": "STORE", "fulfilment": "SUPPLY", "payments": "PAYFIN"}


def _as_epics(data: dict[str, Any]) -> dict[str, Any]:
    """The example standard for projects kept as epics: the record is the epic, a program's projects are the
    epics of its Jira project, and the rules about records speak of epics."""
    portfolio = dict(data["portfolio"])
    portfolio["project_unit"] = "epic"
    portfolio["record_issue_type"] = "Epic"
    portfolio["programs"] = [{**program, "projects": [EPIC_PROJECTS.get(program["key"], program["projects"][0])]}
                             for program in portfolio["programs"]]
    rules = []
    for rule in data.get("rules", []):
        scope = dict(rule.get("scope") or {})
        types = scope.get("issue_types") or []
        if rule.get("kind") == "belongs_to_project":  # every piece of work belongs to a project's epic
            rule = {**rule, "name": {"en": "Work belongs to a project", "zh": "工作归属项目"}, "via": "parent"}
            scope["issue_types"] = ["Story", "Task", "Bug", "Milestone", "Risk"]
        elif "Project" in types:
            scope["issue_types"] = ["Epic" if t == "Project" else t for t in types]
        elif "Epic" in types:  # epics are the projects now: a rule about epics as work items does not apply
            scope["issue_types"] = [t for t in types if t != "Epic"] or ["Story"]
        rules.append({**rule, "scope": scope} if rule.get("scope") is not None else rule)
    return {**data, "portfolio": portfolio, "rules": rules}


def sandbox_config(url: str, webhook_secret: str | None = SANDBOX_WEBHOOK_SECRET, flavor: str = "cloud",
                   store: str = "sqlite:///pmokit.db", webhook_secret_file: str | None = None,
                   confluence_flavor: str = "cloud", project_unit: str = "jira_project") -> str:
    """YAML text; secrets are references with the sandbox's values as defaults, so it works at once. ``flavor``
    is Jira's, ``confluence_flavor`` Confluence's (Cloud under /wiki with the bot's email and API token; Data
    Center under /confluence with the bot's personal access token)."""
    source, problems = load_sources([Path(DEFAULT_CONFIG)])
    if problems:
        raise RuntimeError("the embedded example configuration does not load: " + problems[0].format())
    data = dict(source.data)
    if project_unit == "epic":
        data = _as_epics(data)
    if flavor == "cloud":
        jira_auth = {"type": "cloud", "email": BOT_EMAIL, "api_token": f"${{PMOKIT_SANDBOX_TOKEN:-{BOT_TOKEN}}}"}
        bot = {"account_id": BOT_ACCOUNT_ID}
    else:
        jira_auth = {"type": "pat", "token": f"${{PMOKIT_SANDBOX_TOKEN:-{BOT_TOKEN}}}"}
        bot = {"name": BOT_NAME}
    data["jira"] = {**data["jira"], "url": url, "flavor": flavor, "auth": jira_auth, "bot": bot}
    data["jira"].pop("requests_per_second", None)
    token = f"${{PMOKIT_SANDBOX_TOKEN:-{BOT_TOKEN}}}"
    if confluence_flavor == "cloud":
        wiki: dict[str, Any] = {"url": f"{url}/wiki", "flavor": "cloud",
                                "auth": {"type": "cloud", "email": BOT_EMAIL, "api_token": token}}
    else:
        wiki = {"url": f"{url}/confluence", "flavor": "datacenter", "auth": {"type": "pat", "token": token}}
    data["confluence"] = {**data["confluence"], **wiki}
    data["store"] = {"url": store}
    data["webhooks"] = {**data["webhooks"], "bind": "127.0.0.1:8080",
                        "secret": webhook_secret_reference(webhook_secret, webhook_secret_file)}
    header = (f"# yaml-language-server: $schema={(Path(DEFAULT_CONFIG).parent.parent / 'schema.json').as_uri()}\n"
              f"# pmokit configuration for the sandbox at {url}: the example PMO standard, with the sandbox's\n"
              f"# credentials as defaults (set PMOKIT_SANDBOX_TOKEN / PMOKIT_WEBHOOK_SECRET to override).\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)

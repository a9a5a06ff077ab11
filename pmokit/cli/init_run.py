"""The steps of ``pmokit init``: the connection (asked or given), the survey, the proposal, the files, the check.

Heavy modules (the connector and its Atlassian libraries) are imported when init runs, not when the command line
starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import UsageError
from .init_site import Site

if TYPE_CHECKING:
    from connector.site_survey import JiraSurvey

    from .init_proposal import Proposal

TIMEOUT, GIVE_UP, FIRST_CONTACT = 30.0, 20.0, 5.0
EXAMPLE_PARENT = "Portfolio Reports"
EXAMPLE_SPACE = "PMO"


@dataclass
class Asker:
    """Asks on a terminal, with the proposal as the default; off a terminal takes the proposal or refuses."""

    interactive: bool

    def value(self, flag: str, given: str | None, prompt: str, proposal: str | None = None, *,
              required: bool = True, choices: Sequence[str] | None = None) -> str | None:
        """``given`` (a flag; ``""`` means none), else the answer, else the proposal; a required value with none
        of them is an error naming ``flag``."""
        if given is not None:
            return given.strip() or None
        if self.interactive:
            answer = click.prompt(prompt + ("" if required else " (Enter: none)"),
                                  default=proposal if proposal is not None else (None if required else ""),
                                  type=click.Choice(list(choices)) if choices else str, show_default=True)
            return str(answer).strip() or None
        if proposal is not None:
            return proposal
        if required:
            raise UsageError(f"{flag} is required: {prompt[0].lower()}{prompt[1:]} (nothing to ask on: give {flag})")
        return None


@dataclass(frozen=True)
class Inputs:
    jira_url: str | None
    flavor: str | None
    email: str | None
    token_env: str | None
    confluence_url: str | None
    confluence_flavor: str
    confluence_email: str | None
    confluence_token_env: str | None
    space: str | None
    parent_page: str | None
    projects: tuple[str, ...]
    record_type: str | None
    pmo_group: str | None
    fields: Mapping[str, str]
    language: str | None
    portfolio_name: str | None
    public_url: str | None
    out: Path
    force: bool


def require_env(flag: str, variable: str, what: str) -> None:
    if not os.environ.get(variable):
        raise UsageError(f"{flag}: environment variable {variable} is not set (it must hold {what})")


def auth_for(flavor: str, email: str | None, variable: str) -> dict[str, Any]:
    """Cloud: the bot's email and API token (Basic); Data Center: a personal access token (Bearer)."""
    if flavor == "cloud":
        return {"type": "cloud", "email": email, "api_token": f"${{{variable}}}"}
    return {"type": "pat", "token": f"${{{variable}}}"}


def run(inputs: Inputs, ask: Asker) -> None:
    from config import validate

    from .init_files import plan, write
    from .init_proposal import Choices, propose
    from .init_standard import MAIN, Connection, build, example_standard
    from .init_summary import file_notes, summary

    example = example_standard()
    base = {"portfolio": example["portfolio.yaml"]["portfolio"], "phases": example["phases.yaml"]["phases"]}
    known = set(base["portfolio"].get("fields") or {}) | set(_field_names())
    unknown = sorted(set(inputs.fields) - known)
    if unknown:
        raise UsageError(f"--field: unknown logical field {unknown[0]!r}; known: {', '.join(sorted(known))}")
    public_url = _public_url(inputs.public_url)  # a flag is checked before anything is read from the site
    site = connect_jira(inputs, ask)
    connect_confluence(inputs, ask, site)
    if inputs.public_url is None and ask.interactive:
        public_url = ask_public_url()
    choices = Choices(projects=inputs.projects, record_type=inputs.record_type, pmo_group=inputs.pmo_group,
                      language=inputs.language, fields=dict(inputs.fields))
    proposal = propose(site.survey, base, choices)
    if not proposal.programs:
        raise UsageError("the bot sees no project it can put in the portfolio"
                         + (f" (of --project {', '.join(inputs.projects)})" if inputs.projects else "")
                         + ": give it Browse projects on the portfolio's projects")
    proposal = refine(proposal, site.survey, base, choices, ask)
    name = inputs.portfolio_name or {"en": "Portfolio", "zh": "项目组合"}
    standard = build(example, proposal, Connection(jira=site.jira, confluence=site.confluence,
                                                   timezone=site.survey.identity.time_zone, portfolio_name=name,
                                                   public_url=public_url),
                     file_notes(proposal, site))
    outcome = plan(inputs.out, standard.files, force=inputs.force)
    if ask.interactive and not click.confirm(f"Write {len(outcome.written)} file(s) into {inputs.out}?",
                                             default=True):
        raise UsageError("nothing written")
    write(inputs.out, standard.files, outcome)
    result = validate([inputs.out / MAIN])
    click.echo(summary(site, proposal, standard, outcome, result, inputs.out))
    if result.errors:
        raise UsageError(f"the configuration written has {len(result.errors)} problem(s) (above)")


def _public_url(value: str | None) -> str | None:
    """The address Jira calls pmokit at, checked before anything is read from the site."""
    if value is None or not value.strip():
        return None
    from urllib.parse import urlsplit

    url = value.strip().rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise UsageError(f"--public-url: {value!r} is not an http:// or https:// URL")
    return url


def ask_public_url() -> str | None:
    """On a terminal: where Jira reaches this instance (Enter: set webhooks.public_url later), asked again until
    it is an http(s) URL."""
    while True:
        answer = click.prompt("Where Jira reaches pmokit from outside, e.g. https://pmo.example.com (Enter: later)",
                              default="", show_default=False).strip()
        try:
            return _public_url(answer)
        except UsageError as exc:
            click.echo(str(exc).replace("--public-url: ", ""))


def _field_names() -> Sequence[str]:
    from .init_proposal import FIELD_NAMES

    return list(FIELD_NAMES)


def connect_jira(inputs: Inputs, ask: Asker) -> Site:
    from config.models import JiraSettings
    from connector import AtlassianError, AuthenticationError, RetryPolicy, Transport
    from connector.jira_client import JiraConnector
    from connector.site_survey import deployment, survey_jira

    from .init_proposal import PMO_GROUPS

    url = (ask.value("--jira-url", inputs.jira_url, "Jira URL") or "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--jira-url: {url!r} is not an http:// or https:// URL")
    transport = Transport.create(None, RetryPolicy(max_elapsed=GIVE_UP))
    try:  # a URL that answers nothing fails in seconds, not after the sign-in's patience
        info = deployment(url, Transport.create(None, RetryPolicy(max_elapsed=FIRST_CONTACT)).adapter(), TIMEOUT)
    except AtlassianError as exc:
        if inputs.flavor in (None, "auto"):
            raise AtlassianError(f"--jira-url: no Jira answered at {url}: {exc}", url=exc.url) from None
        info = None
    proposed = info.flavor if info else None
    given = None if inputs.flavor in (None, "auto") else inputs.flavor
    flavor = ask.value("--flavor", given, "Jira flavour", proposed, choices=["cloud", "datacenter"]) or "cloud"
    notes = []
    if info is not None and info.flavor != flavor:
        notes.append(f"--flavor {flavor}, though the site's serverInfo says {info.flavor}")
    email = ask.value("--email", inputs.email, "The bot's Atlassian account email") if flavor == "cloud" else None
    what = "the bot's API token" if flavor == "cloud" else "the bot's personal access token"
    variable = ask.value("--token-env", inputs.token_env, f"Environment variable holding {what}",
                         "JIRA_API_TOKEN" if ask.interactive and flavor == "cloud" else
                         "JIRA_PAT" if ask.interactive else None) or ""
    require_env("--token-env", variable, what)
    jira_settings = {"url": url, "flavor": flavor, "auth": auth_for(flavor, email, variable)}
    settings = JiraSettings.model_validate({**jira_settings, "timeout_seconds": TIMEOUT,
                                            "give_up_after_seconds": GIVE_UP})
    connector = JiraConnector(settings, transport.adapter())
    groups = [*PMO_GROUPS, *([inputs.pmo_group] if inputs.pmo_group else [])]
    try:
        survey = survey_jira(connector, groups, version=info.version if info else "", only=inputs.projects)
    except AuthenticationError as exc:
        raise AuthenticationError(f"{exc} (with the token in {variable})", status=exc.status, url=exc.url) from None
    identity = survey.identity
    bot = {"account_id": identity.account_id} if flavor == "cloud" else {"name": identity.name}
    if not next(iter(bot.values())):
        raise UsageError(f"Jira's myself names no {'account id' if flavor == 'cloud' else 'user name'} for the bot")
    return Site(jira={**jira_settings, "bot": bot}, survey=survey, token_env=variable, notes=notes)


def connect_confluence(inputs: Inputs, ask: Asker, site: Site) -> None:
    from config.models import ConfluenceSettings, looks_like_confluence_cloud
    from connector import RetryPolicy, Transport
    from connector.confluence_client import ConfluenceConnector
    from connector.site_survey import survey_confluence

    jira = site.jira
    proposed = f"{jira['url']}/wiki" if jira["flavor"] == "cloud" else None
    url = ask.value("--confluence-url", inputs.confluence_url, "Confluence URL", proposed, required=False)
    if not url:
        site.notes.append("no Confluence: the reports can be previewed, not published (give --confluence-url)")
        return
    url = url.rstrip("/")
    flavor = inputs.confluence_flavor if inputs.confluence_flavor != "auto" else (
        "cloud" if looks_like_confluence_cloud(url) else "datacenter")
    email = None
    if flavor == "cloud":
        email = ask.value("--confluence-email", inputs.confluence_email, "The bot's email on Confluence",
                          jira["auth"].get("email"))
    what = "the bot's Confluence API token" if flavor == "cloud" else "the bot's Confluence personal access token"
    variable = ask.value("--confluence-token-env", inputs.confluence_token_env,
                         f"Environment variable holding {what}", site.token_env) or ""
    require_env("--confluence-token-env", variable, what)
    auth = auth_for(flavor, email, variable)
    settings = ConfluenceSettings.model_validate({"url": url, "flavor": flavor, "auth": auth, "space": "-",
                                                  "timeout_seconds": TIMEOUT, "give_up_after_seconds": GIVE_UP})
    connector = ConfluenceConnector(settings, Transport.create(None, RetryPolicy(max_elapsed=GIVE_UP)).adapter())
    parent = inputs.parent_page if inputs.parent_page is not None else EXAMPLE_PARENT
    wiki = survey_confluence(connector, [inputs.space or EXAMPLE_SPACE], parent or None)
    space = ask.value("--space", inputs.space, "Confluence space of the reports", wiki.space)
    if space and space != wiki.space:
        wiki = survey_confluence(connector, [space], parent or None)
    if wiki.space is None:
        site.notes.append(f"Confluence has no space {space} the bot can see: create it (or give --space) before "
                          f"publishing")
    proposal = parent if wiki.parent_found and inputs.parent_page is None else None
    chosen = ask.value("--parent-page", inputs.parent_page, "Page the reports hang under", proposal,
                       required=False)
    if chosen and chosen != parent and wiki.space:
        wiki = survey_confluence(connector, [wiki.space], chosen)
    if chosen and wiki.space and not wiki.parent_found:
        site.notes.append(f"space {wiki.space} has no page '{chosen}': create it before publishing (or give "
                          f"--parent-page '' to publish at the top of the space)")
    elif not chosen and inputs.parent_page is None and wiki.space:
        site.notes.append(f"space {wiki.space} has no page '{EXAMPLE_PARENT}': the reports go to the top of the "
                          f"space (give --parent-page TITLE to hang them under a page)")
    site.confluence = {"url": url, "flavor": flavor, "auth": auth, "space": space,
                       **({"parent_page": chosen} if chosen else {})}
    site.wiki = wiki


def refine(proposal: Proposal, survey: JiraSurvey, base: Mapping[str, Any], choices: Any, ask: Asker) -> Proposal:
    """On a terminal: a Jira field for each logical field not mapped, the PMO's group and the language, each with
    the proposal as its default; the proposal again with the answers."""
    if not ask.interactive:
        return proposal
    import dataclasses

    from .init_proposal import propose

    by_name = {f.name.casefold() for f in survey.fields} | {f.id for f in survey.fields}
    fields = dict(choices.fields)
    for logical in proposal.unmapped_fields:
        if logical in fields:
            continue
        while True:
            answer = click.prompt(f"Jira field for {logical} (Enter: leave it unmapped)", default="",
                                  show_default=False).strip()
            if not answer or answer.casefold() in by_name or answer in by_name:
                break
            click.echo(f"Jira has no field {answer!r}")
        fields[logical] = answer
    group = click.prompt("Group whose members approve gates", default=proposal.pmo_group or "pmo")
    language = click.prompt("Language of comments and pages", default=proposal.language,
                            type=click.Choice(["en", "zh"]))
    chosen = dataclasses.replace(choices, fields=fields, pmo_group=group, language=language)
    return propose(survey, base, chosen)

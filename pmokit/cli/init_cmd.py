"""``pmokit init``: from nothing to a working configuration for a real Jira (and Confluence) site.

It signs in as the bot with the token in a named environment variable, reads what the site holds
(``connector.site_survey``), proposes the portfolio, phases, field map and the bot's identity
(``init_proposal``), writes the example standard adapted to them (``init_standard``) without clobbering edits
(``init_files``), checks the result as ``pmokit config validate`` does and says what it found, what it mapped,
what it could not map and what to run next. On a terminal (or with ``--interactive``) it asks, the proposals as
defaults; otherwise, and always with ``--yes``, it never asks and a missing value is an error naming its flag.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from .errors import ServiceError, UsageError
from .init_run import EXAMPLE_PARENT, EXAMPLE_SPACE, Asker, Inputs, run

FLAVORS = ["auto", "cloud", "datacenter"]


@click.command("init")
@click.option("--jira-url", metavar="URL", help="Jira's base URL (https://SITE.atlassian.net, or a Data Center's).")
@click.option("--flavor", type=click.Choice(FLAVORS), help="Jira's flavour; auto (the default) reads serverInfo.")
@click.option("--email", metavar="EMAIL", help="Jira Cloud: the bot's Atlassian account email.")
@click.option("--token-env", metavar="VAR", help="The environment variable holding the bot's API token (Cloud) or "
                                                 "personal access token (Data Center); only ${VAR} is written.")
@click.option("--confluence-url", metavar="URL", help="Confluence's base URL (Cloud: the Jira URL with /wiki, the "
                                                      "default there); '' for no Confluence.")
@click.option("--confluence-flavor", type=click.Choice(FLAVORS), default="auto", show_default=True,
              help="Confluence's flavour; auto: Cloud for *.atlassian.net or a /wiki path, else Data Center.")
@click.option("--confluence-email", metavar="EMAIL", help="Confluence Cloud: the bot's email (default --email).")
@click.option("--confluence-token-env", metavar="VAR", help="The variable holding Confluence's token (default "
                                                            "--token-env).")
@click.option("--space", metavar="KEY", help=f"The Confluence space of the reports (default {EXAMPLE_SPACE} when "
                                              "it exists).")
@click.option("--parent-page", metavar="TITLE", help=f"The page the reports hang under (default '{EXAMPLE_PARENT}' "
                                                     "when the space has it); '' for the top of the space.")
@click.option("--project", "projects", multiple=True, metavar="KEY", help="Only these projects (repeatable; "
                                                                          "default every project the bot sees).")
@click.option("--record-type", metavar="NAME", help="The issue type of each project's record (default Project, or "
                                                    "项目).")
@click.option("--pmo-group", metavar="NAME", help="The group whose members approve gates (default: a group named "
                                                  "like pmo).")
@click.option("--field", "field_choices", multiple=True, metavar="LOGICAL=JIRA",
              help="Map a logical field to a Jira field name or id, e.g. budget=预算 (repeatable; LOGICAL= maps none).")
@click.option("--language", type=click.Choice(["en", "zh"]), help="Language of comments and pages (default: that "
                                                                   "of the phase statuses).")
@click.option("--public-url", metavar="URL", help="Where Jira reaches this instance from outside (written as "
                                                   "webhooks.public_url, for webhook register and doctor).")
@click.option("--portfolio-name", metavar="TEXT", help="The portfolio's name on the pages (default Portfolio).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Directory to write pmokit.yaml and the standard's files into.")
@click.option("--yes", is_flag=True, help="Ask nothing: take the proposals (a missing required value is an error).")
@click.option("--interactive", is_flag=True, help="Ask even when standard input is not a terminal.")
@click.option("--force", is_flag=True, help="Overwrite files edited since pmokit init wrote them.")
def init_command(jira_url: str | None, flavor: str | None, email: str | None, token_env: str | None,
                 confluence_url: str | None, confluence_flavor: str, confluence_email: str | None,
                 confluence_token_env: str | None, space: str | None, parent_page: str | None,
                 projects: tuple[str, ...], record_type: str | None, pmo_group: str | None,
                 field_choices: tuple[str, ...], language: str | None, public_url: str | None,
                 portfolio_name: str | None, out: Path, yes: bool, interactive: bool, force: bool) -> None:
    """Write a configuration for a Jira (and Confluence) site: read the site as the bot, propose the portfolio,
    phases, fields and identity, and write pmokit.yaml with the example standard adapted to it."""
    from connector import AtlassianError

    ask = Asker(interactive=(interactive or sys.stdin.isatty()) and not yes)
    inputs = Inputs(jira_url=jira_url, flavor=flavor, email=email, token_env=token_env,
                    confluence_url=confluence_url, confluence_flavor=confluence_flavor,
                    confluence_email=confluence_email, confluence_token_env=confluence_token_env, space=space,
                    parent_page=parent_page, projects=tuple(p.upper() for p in projects), record_type=record_type,
                    pmo_group=pmo_group, fields=_field_choices(field_choices), language=language,
                    portfolio_name=portfolio_name, public_url=public_url, out=out, force=force)
    try:
        run(inputs, ask)
    except AtlassianError as exc:
        raise ServiceError(str(exc)) from None


def _field_choices(values: Sequence[str]) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for value in values:
        logical, sep, jira = value.partition("=")
        if not sep or not logical.strip():
            raise UsageError(f"--field {value!r}: write LOGICAL=JIRA, e.g. --field budget=预算")
        chosen[logical.strip()] = jira.strip()
    return chosen

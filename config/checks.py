"""Checks that look across sections after each section parsed on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .models import (
    CloudAuth,
    ConfluenceSettings,
    Phase,
    PortfolioSettings,
    ScheduleSettings,
    TokenAuth,
    WebhookSettings,
)
from .problems import Path, Problem, Severity, did_you_mean
from .reports import ReportSettings
from .source import Source


@dataclass(frozen=True)
class CheckContext:
    """What a check sees: the sections that parsed, and where every YAML node is."""

    sections: dict[str, Any]
    source: Source

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(self.source.locate(path), path, message)

    def unknown_name(self, path: Path, kind: str, name: str, known: Iterable[str]) -> Problem:
        """The standard error for a reference to something the configuration does not declare."""
        known = sorted(set(known))
        hint = did_you_mean(name, known) or (f"; known: {', '.join(known)}" if known else f"; no {kind}s declared")
        return self.problem(path, f"unknown {kind} '{name}'{hint}")


Check = Callable[[CheckContext], Iterable[Problem]]


def _portfolio_is_coherent(ctx: CheckContext) -> Iterator[Problem]:
    portfolio: PortfolioSettings = ctx.sections["portfolio"]
    if portfolio.phase.source == "field" and portfolio.phase.field not in portfolio.fields:
        yield ctx.unknown_name(("portfolio", "phase", "field"), "logical field",
                               portfolio.phase.field or "", portfolio.fields)
    seen: dict[str, str] = {}
    for p_index, program in enumerate(portfolio.programs):
        for k_index, key in enumerate(program.projects):
            if key in seen:
                yield ctx.problem(("portfolio", "programs", p_index, "projects", k_index),
                                  f"project {key} is already in program '{seen[key]}'")
            seen.setdefault(key, program.key)
    for name, count in Counter(p.key for p in portfolio.programs).items():
        if count > 1:
            index = [p.key for p in portfolio.programs].index(name)
            yield ctx.problem(("portfolio", "programs", index, "key"), f"program key '{name}' is used twice")


def _phases_are_readable(ctx: CheckContext) -> Iterator[Problem]:
    portfolio: PortfolioSettings = ctx.sections["portfolio"]
    phases: list[Phase] = ctx.sections["phases"]
    attribute = "statuses" if portfolio.phase.source == "status" else "values"
    owner: dict[str, str] = {}
    ids: set[str] = set()
    for index, phase in enumerate(phases):
        if phase.id in ids:
            yield ctx.problem(("phases", index, "id"), f"phase id '{phase.id}' is used twice")
        ids.add(phase.id)
        names = getattr(phase, attribute)
        if not names:
            yield ctx.problem(("phases", index),
                              f"phase '{phase.id}' lists no {attribute}: the phase is read from the "
                              f"{portfolio.phase.source}, so say which {attribute} mean '{phase.id}'")
        for n_index, name in enumerate(names):
            if name.casefold() in owner:
                yield ctx.problem(("phases", index, attribute, n_index),
                                  f"'{name}' already means phase '{owner[name.casefold()]}'")
            owner.setdefault(name.casefold(), phase.id)


def _project_types_are_coherent(ctx: CheckContext) -> Iterator[Problem]:
    portfolio: PortfolioSettings = ctx.sections["portfolio"]
    types = portfolio.project_types
    if types is None:
        return
    base = ("portfolio", "project_types")
    if types.field not in portfolio.fields:
        yield ctx.unknown_name((*base, "field"), "logical field", types.field, portfolio.fields)
    phases = [p.id for p in ctx.sections["phases"]]
    ids: set[str] = set()
    owner: dict[str, str] = {}
    for t_index, kind in enumerate(types.types):
        here = (*base, "types", t_index)
        if kind.id in ids:
            yield ctx.problem((*here, "id"), f"project type '{kind.id}' is declared twice")
        ids.add(kind.id)
        for v_index, value in enumerate(kind.values):
            if value.casefold() in owner:
                yield ctx.problem((*here, "values", v_index),
                                  f"'{value}' already means type '{owner[value.casefold()]}'")
            owner.setdefault(value.casefold(), kind.id)
        for p_index, phase in enumerate(kind.phases):
            if phase not in phases:
                yield ctx.unknown_name((*here, "phases", p_index), "phase", phase, phases)
            elif kind.phases.index(phase) != p_index:
                yield ctx.problem((*here, "phases", p_index), f"phase '{phase}' is listed twice")


def _reports_are_known(ctx: CheckContext) -> Iterator[Problem]:
    reports: ReportSettings = ctx.sections["reports"]
    schedule: ScheduleSettings = ctx.sections["schedule"]
    for name in schedule.reports:
        if name not in reports.definitions:
            yield ctx.unknown_name(("schedule", "reports", name), "report", name, reports.definitions)
    programs = {program.key for program in ctx.sections["portfolio"].programs}
    for name, definition in reports.definitions.items():
        for index, program in enumerate(definition.programs):
            if program not in programs:
                yield ctx.unknown_name(("reports", "definitions", name, "programs", index), "program", program,
                                       programs)


# Each check runs when every section it names parsed on its own (the rules' checks: config.rule_checks).
def _webhooks_are_signed(ctx: CheckContext) -> Iterator[Problem]:
    webhooks: WebhookSettings = ctx.sections["webhooks"]
    if webhooks.secret is None:
        yield Problem(ctx.source.locate_key(("webhooks",)), ("webhooks", "secret"),
                      "no webhook secret: anyone who reaches the receiver can make pmokit re-read issues; set "
                      "webhooks.secret to ${PMOKIT_WEBHOOK_SECRET} and give Jira the same secret (docs/security.md)",
                      Severity.WARNING)


def _confluence_auth_fits_its_flavour(ctx: CheckContext) -> Iterator[Problem]:
    """A personal access token is Data Center's (Confluence Cloud answers a bearer token it did not issue with
    401); an Atlassian account's email and API token are Cloud's (a Data Center has no Atlassian API tokens, and
    its Basic login is a username and password)."""
    confluence: ConfluenceSettings | None = ctx.sections["confluence"]
    if confluence is None:
        return
    flavor = confluence.resolved_flavor
    named = "Confluence Cloud" if flavor == "cloud" else "a Confluence Data Center"
    why = (f"flavor: {flavor} says this is {named}" if confluence.flavor != "auto" else
           f"{confluence.url} is Confluence Cloud (its host ends with .atlassian.net or its path with /wiki; set "
           f"flavor: datacenter for a Data Center served there)" if flavor == "cloud" else
           f"{confluence.url} is a Confluence Data Center (neither an .atlassian.net host nor a /wiki path; set "
           f"flavor: cloud if it is Cloud)")
    where = ("confluence", "auth", "type")
    if flavor == "cloud" and isinstance(confluence.auth, TokenAuth):
        yield ctx.problem(where, f"a personal access token (type: pat) is Confluence Data Center's: Confluence Cloud "
                                 f"refuses it with 401; {why}. Use type: cloud with the bot's email and an API "
                                 f"token (id.atlassian.com, Security, API tokens)")
    elif flavor == "datacenter" and isinstance(confluence.auth, CloudAuth):
        yield ctx.problem(where, f"type: cloud (an Atlassian account's email and API token) is Confluence Cloud's: a "
                                 f"Data Center has no Atlassian API tokens and logs in by username; {why}. Use type: "
                                 f"pat with a personal access token (Profile, Personal Access Tokens; Confluence "
                                 f"7.9 and later), or type: basic with username and password")


CHECKS: tuple[tuple[tuple[str, ...], Check], ...] = (
    (("confluence",), _confluence_auth_fits_its_flavour),
    (("webhooks",), _webhooks_are_signed),
    (("portfolio",), _portfolio_is_coherent),
    (("portfolio", "phases"), _phases_are_readable),
    (("portfolio", "phases"), _project_types_are_coherent),
    (("reports", "schedule", "portfolio"), _reports_are_known),
)

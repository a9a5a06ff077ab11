"""Checks that look across sections after each section parsed on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .models import Phase, PortfolioSettings, ScheduleSettings, WebhookSettings
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


CHECKS: tuple[tuple[tuple[str, ...], Check], ...] = (
    (("webhooks",), _webhooks_are_signed),
    (("portfolio",), _portfolio_is_coherent),
    (("portfolio", "phases"), _phases_are_readable),
    (("portfolio", "phases"), _project_types_are_coherent),
    (("reports", "schedule", "portfolio"), _reports_are_known),
)

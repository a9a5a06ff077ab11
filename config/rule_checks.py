"""Checks of the ``rules`` section against the rest of the configuration: ids unique, scopes, fields, phases,
programs and project types that exist, gates that lead forward without cycles, conditions that parse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from .checks import Check, CheckContext
from .conditions import ExpressionError, compile_expression, known_names
from .models import PortfolioSettings
from .problems import Location, Path, Problem
from .rule_specs import AnyRule, ChildItems, Dates, Gate, RequiredFields, RuleSpec


def _rules_refer_to_what_exists(ctx: CheckContext) -> Iterator[Problem]:
    rules: list[AnyRule] = ctx.sections["rules"]
    portfolio: PortfolioSettings = ctx.sections["portfolio"]
    phases = {p.id for p in ctx.sections["phases"]}
    names = known_names(portfolio.fields)
    for rule_id, count in Counter(r.id for r in rules).items():
        if count > 1:
            index = max(i for i, r in enumerate(rules) if r.id == rule_id)
            yield ctx.problem(("rules", index, "id"), f"rule id '{rule_id}' is used {count} times; ids must be unique")
    programs = {p.key for p in portfolio.programs}
    for index, rule in enumerate(rules):
        base = ("rules", index)
        for n, phase in enumerate(rule.scope.phases):
            if phase not in phases:
                yield ctx.unknown_name((*base, "scope", "phases", n), "phase", phase, phases)
        for n, project in enumerate(rule.scope.projects):
            if project not in portfolio.project_keys:
                yield ctx.unknown_name((*base, "scope", "projects", n), "project", project, portfolio.project_keys)
        for n, program in enumerate(rule.scope.programs):
            if program not in programs:
                yield ctx.unknown_name((*base, "scope", "programs", n), "program", program, programs)
        if isinstance(rule, RequiredFields):
            for n, field in enumerate(rule.fields):
                if field not in names:
                    yield ctx.unknown_name((*base, "fields", n), "field", field, names)
        if isinstance(rule, Dates):
            for n, field in enumerate(rule.window or ()):
                if field not in portfolio.fields:
                    yield ctx.unknown_name((*base, "window", n), "logical field", field, portfolio.fields)
        yield from _expressions(ctx, rule, base, names)
        if isinstance(rule, Gate):
            yield from _gate(ctx, rule, base, rules, phases)
    yield from _gate_cycles(ctx, rules)


def _gate(ctx: CheckContext, rule: Gate, base: Path, rules: list[AnyRule], phases: set[str]) -> Iterator[Problem]:
    types = ctx.sections["portfolio"].project_types
    orders = [[p.id for p in ctx.sections["phases"]], *([t.phases for t in types.types] if types else [])]
    for key, phase in (("from_phase", rule.from_phase), ("to_phase", rule.to_phase)):
        if phase not in phases:
            yield ctx.unknown_name((*base, key), "phase", phase, phases)
    named = [t.phases for t in types.types if t.id in rule.project_types] if types else []
    if named:  # (an unknown type is reported once, below)
        orders = named
    if rule.from_phase in phases and rule.to_phase in phases and not any(
            rule.from_phase in order and rule.to_phase in order
            and order.index(rule.from_phase) < order.index(rule.to_phase) for order in orders):
        yield ctx.problem((*base, "to_phase"), f"a gate leads forward: '{rule.to_phase}' does not come after "
                                               f"'{rule.from_phase}' in the phases of any type of project")
    declared = {t.id for t in types.types} if types else set()
    for n, name in enumerate(rule.project_types):
        if name not in declared:
            yield ctx.unknown_name((*base, "project_types", n), "project type", name, declared)
    ids = {r.id for r in rules}
    for n, criterion in enumerate(rule.criteria):
        if criterion not in ids:
            yield ctx.unknown_name((*base, "criteria", n), "rule", criterion, ids - {rule.id})


def _gate_cycles(ctx: CheckContext, rules: list[AnyRule]) -> Iterator[Problem]:
    """A gate may require another gate; a chain that comes back to itself can never pass."""
    gates = {r.id: r for r in rules if isinstance(r, Gate)}
    for index, rule in enumerate(rules):
        if not isinstance(rule, Gate):
            continue
        seen: set[str] = set()
        stack = [c for c in rule.criteria if c in gates]
        while stack:
            current = stack.pop()
            if current == rule.id:
                yield ctx.problem(("rules", index, "criteria"), f"gate {rule.id} depends on itself through its "
                                                                f"criteria (a cycle of gates)")
                break
            if current not in seen:
                seen.add(current)
                stack.extend(c for c in gates[current].criteria if c in gates)


def _expressions(ctx: CheckContext, rule: RuleSpec, base: Path, names: set[str]) -> Iterator[Problem]:
    found: list[tuple[Path, str]] = []
    if rule.scope.where:
        found.append(((*base, "scope", "where"), rule.scope.where))
    if isinstance(rule, ChildItems):
        for n, child in enumerate(rule.children):
            if child.where:
                found.append(((*base, "children", n, "where"), child.where))
    if isinstance(rule, Gate):
        for n, condition in enumerate(rule.conditions):
            found.append(((*base, "conditions", n), condition))
    for path, text in found:
        try:
            compile_expression(text, names)
        except ExpressionError as exc:
            where = ctx.source.locate(path)
            problem = ctx.problem(path, f"{exc.message} (column {exc.column} of the condition)")
            if where is not None:
                # The value's location is where its text starts: add the column within the expression.
                problem = Problem(Location(where.file, where.line, where.column + exc.column - 1), path,
                                  problem.message)
            yield problem


RULE_CHECKS: tuple[tuple[tuple[str, ...], Check], ...] = (
    (("rules", "portfolio", "phases"), _rules_refer_to_what_exists),
)

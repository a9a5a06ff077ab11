"""The example standard adapted to a site: ``pmokit init``'s files, as text.

The embedded example standard (``config/examples``: ``pmo.yaml`` including the portfolio, the phases, the
templates, the gates and the portfolio rules) is read as ``pmokit sandbox config`` reads it, and each file is
written again with what the proposal found: the connection and the bot, the programs, the phases' statuses, the
field map, the site's names for issue types, statuses and the PMO's group. A rule that needs what the site does
not have is adapted (a missing field left out of a template, a condition on it dropped) or, when nothing of it
would be left, left out; every such change is said in words.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config import DEFAULT_CONFIG
from config.conditions import ExpressionError, compile_expression, known_names
from config.yaml_source import load_file

from .init_proposal import Proposal

MAIN = "pmokit.yaml"
INCLUDED = ("portfolio.yaml", "phases.yaml", "rules.yaml", "gates.yaml", "portfolio_rules.yaml")
RULE_FILES = ("rules.yaml", "gates.yaml", "portfolio_rules.yaml")
WEBHOOK_SECRET = "${PMOKIT_WEBHOOK_SECRET}"
WHAT = {MAIN: "connections, store, webhooks, schedule and reports",
        "portfolio.yaml": "the programs and their Jira projects, and the logical field map",
        "phases.yaml": "the phases and the statuses that mean each",
        "rules.yaml": "the templates: what each project record, milestone, risk and work item must carry",
        "gates.yaml": "the stage gates between the phases",
        "portfolio_rules.yaml": "the rules across issues and projects"}


@dataclass(frozen=True)
class Connection:
    """The connection part of the configuration, secrets as ``${VAR}`` references only."""

    jira: dict[str, Any]
    confluence: dict[str, Any] | None
    timezone: str | None
    portfolio_name: str | dict[str, str]
    public_url: str | None = None


@dataclass
class Standard:
    files: dict[str, str]  # file name -> YAML text
    adapted: dict[str, list[str]] = field(default_factory=dict)  # file -> what was changed in its rules, in words


def example_standard() -> dict[str, Any]:
    """The embedded example standard, file by file (plain data)."""
    base = Path(DEFAULT_CONFIG).parent
    out: dict[str, Any] = {}
    for name, source in ((MAIN, Path(DEFAULT_CONFIG).name), *((n, n) for n in INCLUDED)):
        data, _, problems = load_file(base / source)
        if problems or not isinstance(data, dict):
            raise RuntimeError(f"the embedded example standard does not load: {problems[0].format()}" if problems
                               else f"the embedded example standard's {source} is not a mapping")
        out[name] = data
    return out


def build(example: Mapping[str, Any], proposal: Proposal, connection: Connection, notes: Mapping[str, list[str]],
          ) -> Standard:
    """Every file's text; ``notes`` are comment lines per file (what was found, what was not)."""
    standard = Standard(files={})
    main = copy.deepcopy(dict(example[MAIN]))
    main["language"] = proposal.language
    main["include"] = list(INCLUDED)
    main["jira"] = connection.jira
    if connection.confluence is not None:
        main["confluence"] = connection.confluence
    else:
        main.pop("confluence", None)
    main["store"] = {"url": "sqlite:///pmokit.db"}
    main["webhooks"] = {**main.get("webhooks", {}), "secret": WEBHOOK_SECRET}
    if connection.public_url:
        main["webhooks"]["public_url"] = connection.public_url
    if connection.timezone:
        main["schedule"] = {**main.get("schedule", {}), "timezone": connection.timezone}
    data: dict[str, Any] = {MAIN: main, "portfolio.yaml": {"portfolio": _portfolio(example, proposal, connection)},
                            "phases.yaml": {"phases": proposal.phases or copy.deepcopy(example["phases.yaml"]
                                                                                       ["phases"])}}
    data.update(_rules(example, proposal, data["portfolio.yaml"]["portfolio"], standard.adapted))
    for name in (MAIN, *INCLUDED):
        standard.files[name] = _text(name, data[name], [*notes.get(name, []), *standard.adapted.get(name, [])])
    return standard


def _portfolio(example: Mapping[str, Any], proposal: Proposal, connection: Connection) -> dict[str, Any]:
    portfolio = copy.deepcopy(dict(example["portfolio.yaml"]["portfolio"]))
    portfolio["name"] = connection.portfolio_name
    portfolio["record_issue_type"] = proposal.record_type or portfolio.get("record_issue_type", "Project")
    portfolio["programs"] = proposal.programs
    if proposal.kill_status and portfolio.get("kill"):
        portfolio["kill"] = {**portfolio["kill"], "status": proposal.kill_status}
    else:
        portfolio.pop("kill", None)
    portfolio["fields"] = {name: mapped.written for name, mapped in proposal.fields.items()}
    types = portfolio.get("project_types")
    if types and types.get("field") not in proposal.fields:
        portfolio.pop("project_types")
    return portfolio


def _rules(example: Mapping[str, Any], proposal: Proposal, portfolio: Mapping[str, Any],
           adapted: dict[str, list[str]]) -> dict[str, Any]:
    fields = set(portfolio.get("fields") or {})
    names = known_names(fields)
    phases = {p["id"] for p in proposal.phases} if proposal.phases else None  # None: the example's, all kept
    has_types = bool(portfolio.get("project_types"))
    out: dict[str, Any] = {}
    dropped: set[str] = set()
    for name in RULE_FILES:
        kept, said = [], adapted.setdefault(name, [])
        for rule in copy.deepcopy(example[name].get("rules") or []):
            reason = _adapt(rule, proposal, names, phases, has_types, said)
            if reason:
                dropped.add(rule["id"])
                said.append(f"left out rule {rule['id']}: {reason}")
            else:
                kept.append(rule)
        out[name] = {"rules": kept}
    for name in RULE_FILES:
        for rule in out[name]["rules"]:
            gone = [c for c in rule.get("criteria", ()) if c in dropped]
            if gone:
                rule["criteria"] = [c for c in rule["criteria"] if c not in dropped]
                adapted[name].append(f"{rule['id']}: no longer requires {', '.join(gone)} (left out)")
    return out


def _adapt(rule: dict[str, Any], proposal: Proposal, names: set[str], phases: set[str] | None, has_types: bool,
           adapted: list[str]) -> str | None:
    """Adapt one rule in place; the reason it must be left out, or None."""
    ident, scope = rule["id"], rule.setdefault("scope", {})
    types = {**proposal.issue_types, **({"Project": proposal.record_type} if proposal.record_type else {})}
    scope["issue_types"] = [types.get(t, t) for t in scope.get("issue_types", ())]
    if not scope["issue_types"]:
        scope.pop("issue_types")
    if phases is not None and scope.get("phases"):
        kept = [p for p in scope["phases"] if p in phases]
        if not kept:
            return f"it applies in phases the site's statuses do not have ({', '.join(scope['phases'])})"
        scope["phases"] = kept
    if scope.get("statuses"):
        kept = [proposal.statuses[s] for s in scope["statuses"] if s in proposal.statuses]
        if not kept:
            return f"it applies in statuses the site does not have ({', '.join(scope['statuses'])})"
        scope["statuses"] = kept
    if scope.get("where") and not _compiles(scope["where"], names):
        return f"its scope '{scope['where']}' needs a field the site does not have"
    if not scope:
        rule.pop("scope")
    kind = rule.get("kind")
    if kind == "required_fields":
        missing = [f for f in rule["fields"] if f not in names]
        rule["fields"] = [f for f in rule["fields"] if f in names]
        if not rule["fields"]:
            return f"none of its fields is on the site ({', '.join(missing)})"
        if missing:
            adapted.append(f"{ident}: without {', '.join(missing)} (no such field on the site)")
    elif kind == "dates" and rule.get("window") and not all(f in names for f in rule["window"]):
        adapted.append(f"{ident}: without its window {', '.join(rule.pop('window'))} (no such field on the site)")
    elif kind == "child_items":
        for child in rule.get("children", ()):
            child["type"] = proposal.issue_types.get(child["type"], child["type"])
            if child.get("where") and not _compiles(child["where"], names):
                adapted.append(f"{ident}: counts every {child['type']}, not only where {child.pop('where')}")
    elif kind == "person_load" and rule.get("measure", "issues") not in ("issues", "story_points", *names):
        return f"it measures {rule['measure']}, which the site has no field for"
    elif kind == "gate":
        if phases is not None and (rule["from_phase"] not in phases or rule["to_phase"] not in phases):
            return f"it leads from {rule['from_phase']} to {rule['to_phase']}, a phase the site's statuses lack"
        if rule.get("project_types") and not has_types:
            return "it is for a type of project, and the site has no field for the project type"
        for condition in list(rule.get("conditions", ())):
            if not _compiles(condition, names):
                rule["conditions"].remove(condition)
                adapted.append(f"{ident}: without the condition '{condition}' (a field the site does not have)")
        approvers = rule.get("approvers") or {}
        if approvers.get("groups") and proposal.pmo_group:
            approvers["groups"] = [proposal.pmo_group if g == "pmo" else g for g in approvers["groups"]]
    return None


def _compiles(text: str, names: set[str]) -> bool:
    try:
        compile_expression(text, names)
    except ExpressionError:
        return False
    return True


def schema_uri() -> str:
    return (Path(DEFAULT_CONFIG).parent.parent / "schema.json").as_uri()


def _text(name: str, data: Any, notes: Sequence[str]) -> str:
    what = WHAT[name]
    header = [f"{what[0].upper()}{what[1:]}, written by `pmokit init` from the example PMO standard and what the site "
              f"holds. Edit it freely: `pmokit init` run again leaves a file edited since alone (.pmokit-init.json "
              f"keeps a hash of what it wrote), unless --force.", *notes]
    lines = [f"# yaml-language-server: $schema={schema_uri()}"]
    for paragraph in header:
        lines += [f"# {line}" for line in textwrap.wrap(paragraph, 112, break_on_hyphens=False)]
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)

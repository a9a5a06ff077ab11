"""The checks of Jira: reachable and signed in, the bot is pmokit's own account, its permissions on every governed
project, the mapped fields, issue types and phase statuses, the approvers, and the clock against Jira's."""

from __future__ import annotations

import difflib
import functools
from datetime import UTC
from typing import Any

import yaml

from config.models import Settings
from config.problems import ConfigError
from config.rule_specs import Gate
from connector.errors import NotFound
from connector.translate import parse_datetime
from connector.vocabulary import FieldMismatch, resolve_fields
from pmokit.runtime import approver_group_members, find_approvers
from report_jobs.events.worker import bot_ids

from .context import Context
from .findings import Finding, failed, listed, passed

MAX_SKEW_SECONDS = 60.0


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate most like ``word`` (as "did you mean" finds it), if one is close."""
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


def where(settings: Settings, *path: str | int) -> str:
    """`` (FILE:LINE:COL)`` where the configuration wrote ``path``, when known."""
    location = settings.locate(tuple(path))
    return f" ({location})" if location else ""


# -- 1. reachable, signed in ----------------------------------------------------------------------------------
def jira_reachable(ctx: Context) -> Finding:
    info = ctx.server_info()
    me = ctx.myself()
    kind = "Cloud" if info.get("deploymentType") == "Cloud" else "Data Center"
    detail = (f"Jira {kind} {info.get('version', '?')} at {ctx.settings.jira.url} answers; signed in as "
              f"{ctx.account}")
    configured = ctx.settings.jira.flavor
    if configured != "auto" and (configured == "cloud") != (kind == "Cloud"):
        return failed("jira", f"{detail}, but jira.flavor says {configured}",
                      f"set jira.flavor to {'cloud' if kind == 'Cloud' else 'datacenter'} (or auto)"
                      f"{where(ctx.settings, 'jira', 'flavor')}")
    if me.get("active") is False:
        return failed("jira", f"{detail}, but the account is deactivated", "reactivate pmokit's account in Jira")
    return passed("jira", detail)


# -- 2. the bot -----------------------------------------------------------------------------------------------
@functools.cache
def example_bot_ids() -> frozenset[str]:
    """The placeholder ids of the example configuration's ``jira.bot`` (copied configurations keep them)."""
    from config.loader import DEFAULT_CONFIG

    try:
        bot = (yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8")) or {}).get("jira", {}).get("bot") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return frozenset()
    return frozenset(str(v) for v in bot.values() if v)


def bot_account(ctx: Context) -> Finding:
    """pmokit knows its own events by ``jira.bot`` (the worker's ``bot_ids``): the ids Jira's events name the
    account by — its account id on Cloud, its user name on Data Center — must be among them."""
    me = ctx.myself()
    cloud = ctx.jira.cloud
    actual = str((me.get("accountId") if cloud else (me.get("name") or me.get("key"))) or "")
    key, setting = ("account_id", "jira.bot.account_id") if cloud else ("name", "jira.bot.name")
    fix = f"set {setting}: {actual}{where(ctx.settings, 'jira', 'bot')}"
    configured = bot_ids(ctx.settings)
    if not configured:
        return failed("bot", f"jira.bot is not set: pmokit would take the comments and transitions it makes itself "
                             f"for a person's and act on them again (it signs in as {ctx.account}, {key} {actual})",
                      fix)
    if actual in configured:
        return passed("bot", f"jira.bot names the account pmokit signs in as: {ctx.account}, {key} {actual}")
    shown = ", ".join(sorted(configured))
    placeholder = " — the example configuration's placeholder, left in" if configured & example_bot_ids() else ""
    return failed("bot", f"jira.bot is {shown}{placeholder}, but pmokit signs in as {ctx.account}, {key} {actual}: "
                         f"pmokit would take its own comment edits for a person's and act on them again", fix)


# -- 3. permissions ---------------------------------------------------------------------------------------------
PERMISSION_NAMES = {"BROWSE_PROJECTS": "Browse Projects", "ADD_COMMENTS": "Add Comments",
                    "EDIT_OWN_COMMENTS": "Edit Own Comments", "EDIT_ALL_COMMENTS": "Edit All Comments",
                    "DELETE_OWN_COMMENTS": "Delete Own Comments", "DELETE_ALL_COMMENTS": "Delete All Comments",
                    "EDIT_ISSUES": "Edit Issues", "TRANSITION_ISSUES": "Transition Issues"}


def needed_permissions(settings: Settings) -> list[tuple[str, ...]]:
    """What pmokit does on a governed project, as Jira's project permissions (each tuple: any one of them):
    read its issues; write its one comment, edit it in place, delete its duplicates (and, with
    ``enforcement.when_compliant: remove``, the comment itself: ``connector.jira_writer``); add and remove the gap
    label; move a project back, hold or kill it (a gate's moves, when the standard has gates)."""
    needed: list[tuple[str, ...]] = [("BROWSE_PROJECTS",), ("ADD_COMMENTS",),
                                     ("EDIT_OWN_COMMENTS", "EDIT_ALL_COMMENTS"),
                                     ("DELETE_OWN_COMMENTS", "DELETE_ALL_COMMENTS"), ("EDIT_ISSUES",)]
    if any(isinstance(rule, Gate) for rule in settings.rules):
        needed.append(("TRANSITION_ISSUES",))
    return needed


def permissions(ctx: Context) -> Finding:
    needed = needed_permissions(ctx.settings)
    keys = [key for group in needed for key in group]
    missing: dict[str, list[str]] = {}
    for project in ctx.settings.portfolio.project_keys:
        try:
            answer = ctx.jira.get("mypermissions", params={"projectKey": project, "permissions": ",".join(keys)})
        except NotFound:
            missing[project] = ["the project itself (Jira has none of this key, or hides it from pmokit's account)"]
            continue
        held = {k for k, v in (answer.get("permissions") or {}).items() if v.get("havePermission")}
        lacking = [" or ".join(f"{PERMISSION_NAMES[k]} ({k})" for k in group) for group in needed
                   if not held & set(group)]
        if lacking:
            missing[project] = lacking
    projects = ctx.settings.portfolio.project_keys
    if not missing:
        return passed("permissions", f"{ctx.account} holds {', '.join(PERMISSION_NAMES[g[0]] for g in needed)} on "
                                     f"all {len(projects)} governed projects")
    lines = [f"{project}: {', '.join(lacking)}" for project, lacking in missing.items()]
    return failed("permissions", f"{ctx.account} lacks on {len(missing)} of {len(projects)} projects: "
                                 f"{'; '.join(lines)}",
                  f"grant pmokit's account these permissions in the permission scheme of "
                  f"{', '.join(missing)} (Project settings → Permissions: to the account, or to a role or group "
                  f"it is in)")


# -- 4. fields --------------------------------------------------------------------------------------------------
# The fields pmokit's rules write, and the edit operations they use: the gap label, added and removed
# (``rules.actions``). Nothing else is written through an edit: moves set the resolution on a transition screen.
WRITTEN_FIELDS = {"labels": ("add", "remove")}


def fields(ctx: Context) -> Finding:
    portfolio = ctx.settings.portfolio
    catalog = ctx.jira.fields
    problems: list[str] = []
    fixes: list[str] = []
    try:
        resolved = resolve_fields(portfolio, catalog)
    except FieldMismatch:
        resolved = {}
        for logical, name in portfolio.fields.items():
            field_id = catalog.resolve(name)
            if field_id is not None:
                resolved[logical] = field_id
                continue
            near = closest(name, list(catalog.by_id.values()))
            near_id = catalog.resolve(near) if near else None
            problems.append(f"portfolio.fields.{logical}: Jira has no field '{name}'"
                            + (f" (renamed? it has '{near}', {near_id})" if near else ""))
            fixes.append(f"set portfolio.fields.{logical} to the field as Jira names it now"
                         + (f" ('{near}', or its id {near_id}, which a rename does not change)" if near else "")
                         + where(ctx.settings, "portfolio", "fields", logical))
    unwritable: list[str] = []
    checked = 0
    for project in portfolio.project_keys:
        sample = ctx.sample_issue(project)
        if sample is None:
            continue
        screen = ctx.jira.get(f"issue/{sample}/editmeta").get("fields") or {}
        checked += 1
        for field_id, operations in WRITTEN_FIELDS.items():
            offered = set((screen.get(field_id) or {}).get("operations") or [])
            if not set(operations) <= offered:
                why = "not on its edit screen" if field_id not in screen else "no " + "/".join(operations)
                unwritable.append(f"{project} ({field_id} on {sample}: {why})")
    if unwritable:
        problems.append(f"pmokit cannot edit what its rules write: {listed(unwritable)}")
        fixes.append("put Labels on the edit screen of those projects' issue types and give pmokit's account Edit "
                     "Issues there")
    if problems:
        return failed("fields", "; ".join(problems), "; ".join(fixes))
    return passed("fields", f"the {len(resolved)} mapped fields exist ({listed(sorted(resolved))}); "
                            f"{', '.join(WRITTEN_FIELDS)} editable in {checked} projects (the edit metadata of an "
                            f"issue of each)")


# -- 5. issue types and statuses ----------------------------------------------------------------------------------
def _applies(rule: Any, project: str, program: str | None) -> bool:
    scope = rule.scope
    return (not scope.projects or project in scope.projects) and (not scope.programs or program in scope.programs)


def statuses(ctx: Context) -> Finding:
    settings = ctx.settings
    portfolio = settings.portfolio
    record = portfolio.record_issue_type
    problems: list[str] = []
    warnings: list[str] = []
    for project in portfolio.project_keys:
        try:
            types = ctx.project_statuses(project)
        except NotFound:
            problems.append(f"Jira has no project {project} (or hides it from pmokit's account)")
            continue
        by_type = {str(t.get("name", "")).casefold(): {str(s.get("name", "")).casefold(): str(s.get("name", ""))
                                                       for s in t.get("statuses") or []}
                   for t in types}
        if record.casefold() not in by_type:
            problems.append(f"{project} has no issue type {record} (the project record)")
            continue
        states = by_type[record.casefold()]
        if portfolio.phase.source == "status":
            for phase in settings.phases:
                if phase.statuses and not any(s.casefold() in states for s in phase.statuses):
                    problems.append(f"{project}: {record} has no status of phase {phase.id} "
                                    f"({' / '.join(phase.statuses)})")
        if portfolio.kill is not None and portfolio.kill.status.casefold() not in states:
            problems.append(f"{project}: {record} has no status {portfolio.kill.status} (portfolio.kill.status)")
        program = portfolio.program_of.get(project)
        named = {t for rule in settings.rules if _applies(rule, project, program) for t in rule.scope.issue_types}
        absent = sorted(t for t in named if t.casefold() not in by_type)
        if absent:
            warnings.append(f"{project} has no {', '.join(absent)} (rules that name them check nothing there)")
    count = len(portfolio.project_keys)
    if problems:
        return failed("statuses", "; ".join(problems),
                      f"add the issue type and statuses to those projects' issue type scheme and workflow, or name "
                      f"the statuses Jira has in phases[].statuses{where(settings, 'phases')}", warnings)
    return passed("statuses", f"{record} and a status of every phase"
                              f"{' and ' + portfolio.kill.status if portfolio.kill else ''} in all {count} projects",
                  warnings)


# -- 7. approvers ---------------------------------------------------------------------------------------------------
def approvers(ctx: Context) -> Finding:
    """The check ``pmokit serve`` and ``worker`` make at start (every approver a gate names is someone on the site),
    the groups named as approvers, and whether each gate has as many approvers as it needs approvals."""
    settings = ctx.settings
    gates = [rule for rule in settings.rules if isinstance(rule, Gate)]
    if not gates:
        return passed("approvers", "the standard has no gates")
    problems: list[str] = []
    try:
        people = find_approvers(settings, ctx.jira)
    except ConfigError as exc:
        people = {}
        problems.extend(p.format() for p in exc.problems)
    members: dict[str, list[str]] = {}
    unread: set[str] = set()
    try:
        members = approver_group_members(settings, ctx.jira)
    except Exception:  # which group: each asked on its own (the connector keeps what it read)
        for name in sorted({g for gate in gates for g in gate.approvers.groups}):
            try:
                members[name] = ctx.jira.group_members(name)
            except Exception as exc:
                unread.add(name)
                problems.append(f"approver group '{name}': {exc}")
    for gate in gates:
        if unread & set(gate.approvers.groups) or any(u not in people for u in gate.approvers.users):
            continue  # said above
        who = {people[u] for u in gate.approvers.users} | {m for g in gate.approvers.groups for m in members[g]}
        need = gate.approvers.required
        if len(who) < need:
            problems.append(f"{gate.id} needs {need} approval{'s' if need != 1 else ''} but has "
                            f"{len(who)} approver{'s' if len(who) != 1 else ''}")
    if problems:
        return failed("approvers", "; ".join(problems),
                      "name approvers Jira knows (an e-mail address, an account id on Cloud, a user name on Data "
                      "Center) and groups that exist, with at least as many people as each gate's approvers.required")
    found = [f"{len(people)} approver(s) named by user found"] if people else []
    found += [f"group {g} ({len(m)} member{'s' if len(m) != 1 else ''})" for g, m in members.items()]
    return passed("approvers", f"{'; '.join(found)}; each of the {len(gates)} gates has as many approvers as the "
                               f"approvals it needs")


# -- 11. clock ------------------------------------------------------------------------------------------------------
def clock(ctx: Context) -> Finding:
    before = ctx.clock()
    info = ctx.jira.get("serverInfo", api="2")
    after = ctx.clock()
    server = parse_datetime(info.get("serverTime"))
    if server is None:
        return passed("clock", "Jira did not say its time (serverInfo has no serverTime): not compared",
                      ["the clock could not be compared with Jira's"])
    here = before + (after - before) / 2
    skew = (server - here.astimezone(UTC)).total_seconds()
    detail = (f"this machine's clock is {abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} Jira's "
              f"(serverTime {info.get('serverTime')})")
    if abs(skew) > MAX_SKEW_SECONDS:
        return failed("clock", f"{detail}: more than {MAX_SKEW_SECONDS:.0f} s (webhook timestamps, grace periods and "
                               f"incremental sync all compare times with Jira's)",
                      "synchronise this machine's clock with NTP (timedatectl set-ntp true, or chrony)")
    return passed("clock", detail)


"""What ``pmokit init`` says: what it found, what it mapped, what it could not map, what it wrote, what to run next.
The same findings, shorter, head each file it writes. Names of environment variables appear; their values never."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config import LoadResult

    from .init_files import Outcome
    from .init_proposal import Proposal
    from .init_site import Site
    from .init_standard import Standard


def _name(text: Any) -> str:
    if isinstance(text, dict):
        return f"{text['en']} {text['zh']}" if text.get("zh") else str(text["en"])
    return str(text)


def _flavor(flavor: str) -> str:
    return "Cloud" if flavor == "cloud" else "Data Center"


def bot_line(site: Site) -> str:
    identity = site.survey.identity
    if site.jira["flavor"] == "cloud":
        return f"{identity.display_name or 'the bot'} (account id {identity.account_id})"
    return f"{identity.display_name or 'the bot'} (user name {identity.name}, key {identity.key})"


def unmapped(proposal: Proposal, site: Site) -> list[str]:
    """Everything the proposal could not map, one line each."""
    lines = []
    record = proposal.record_type or "Project"
    if proposal.record_type is None:
        lines.append("record issue type: the portfolio's projects have no issue type Project (or 项目): the project "
                     "record rules and the gates apply to nothing until it exists (or give --record-type)")
    for logical, names in proposal.unmapped_fields.items():
        lines.append(f"field {logical}: no Jira field named {', '.join(names)} (give --field {logical}=NAME)")
    if not proposal.phases:
        lines.append(f"phases: no status of {record} means a phase of the standard; the example's phases are kept "
                     f"(name the site's statuses in phases.yaml)")
    for phase in proposal.unmatched_phases if proposal.phases else ():
        lines.append(f"phase {phase}: no status of {record} means it; the phase and its gates are left out")
    if proposal.statuses.keys() != {"In Progress", "In Review", "Cancelled"}:
        missing = sorted({"In Progress", "In Review", "Cancelled"} - set(proposal.statuses))
        lines.append(f"statuses: none named {', '.join(missing)} (or their Chinese names)")
    for issue_type in proposal.missing_issue_types:
        lines.append(f"issue type {issue_type}: not in the portfolio's projects; its rules apply to nothing until "
                     f"it exists")
    if proposal.pmo_group is None:
        lines.append("group: none named like pmo (or 项目管理办公室): the gates name 'pmo', which must exist for "
                     "approvals to count (or give --pmo-group)")
    elif proposal.pmo_group not in site.survey.groups:
        lines.append(f"group {proposal.pmo_group}: not among the site's groups searched (approvals need it to exist)")
    lines += [f"project {skipped}: left out" for skipped in proposal.skipped_projects]
    lines += site.notes
    return lines


def file_notes(proposal: Proposal, site: Site) -> dict[str, list[str]]:
    survey = site.survey
    main = [f"Jira {_flavor(site.jira['flavor'])} at {survey.url}, signed in as {bot_line(site)}."]
    if site.confluence is not None:
        main.append(f"Confluence {_flavor(site.confluence['flavor'])} at {site.confluence['url']}, space "
                    f"{site.confluence['space']}.")
    programs = ("one per Jira project category" if proposal.programs_from == "categories"
                else "one, of every project (the site has no project categories)")
    portfolio = [f"Programs: {programs}."]
    portfolio += [f"Not on the site: {logical} (looked for {', '.join(names)})."
                  for logical, names in proposal.unmapped_fields.items()]
    phases = [f"{phase['id']}: {', '.join(phase['statuses'])}" for phase in proposal.phases]
    phases = [f"Statuses of {proposal.record_type or 'Project'} per phase: {'; '.join(phases)}."] if phases else [
        "No status of the site means a phase: these are the example's phases; rename them to the site's statuses."]
    if proposal.other_statuses and proposal.phases:
        phases.append(f"Statuses that mean no phase: {', '.join(proposal.other_statuses)}.")
    if proposal.unmatched_phases:
        phases.append(f"Left out (no status means them): {', '.join(proposal.unmatched_phases)}.")
    return {"pmokit.yaml": main, "portfolio.yaml": portfolio, "phases.yaml": phases}


def summary(site: Site, proposal: Proposal, standard: Standard, outcome: Outcome, result: LoadResult,
            out: Path) -> str:
    survey = site.survey
    lines = [f"Jira {_flavor(site.jira['flavor'])}{' ' + survey.version if survey.version else ''} at {survey.url}: "
             f"signed in as {bot_line(site)}",
             f"found: {len(survey.projects)} projects, {len(survey.categories)} project categories, "
             f"{len(survey.issue_types)} issue types, {len(survey.statuses)} statuses, {len(survey.fields)} fields "
             f"({sum(f.custom for f in survey.fields)} custom), groups {', '.join(survey.groups) or 'none'} "
             f"(of those searched)"]
    if site.confluence is not None and site.wiki is not None:
        space = (f"space {site.wiki.space} ({site.wiki.space_name})" if site.wiki.space
                 else f"no space {site.confluence['space']}")
        parent = site.confluence.get("parent_page")
        lines.append(f"Confluence {_flavor(site.confluence['flavor'])} at {site.confluence['url']}: {space}"
                     + (f", under '{parent}'" if parent else ", at the top of the space"))
    lines.append("mapped:")
    source = "from project categories" if proposal.programs_from == "categories" else "(no project categories)"
    lines.append(f"  portfolio: {len(proposal.project_keys)} projects in {len(proposal.programs)} program(s) {source}")
    lines += [f"    {p['key']}: {_name(p['name'])}: {', '.join(p['projects'])}" for p in proposal.programs]
    lines.append(f"  record issue type: {proposal.record_type or '(none found; Project kept)'}")
    lines.append("  phases: " + ("; ".join(f"{p['id']} <- {', '.join(p['statuses'])}" for p in proposal.phases)
                                 or "none (the example's kept)"))
    if proposal.other_statuses:
        lines.append(f"  statuses of {proposal.record_type or 'Project'} that mean no phase: "
                     f"{', '.join(proposal.other_statuses)}")
    lines.append("  fields: " + "; ".join(f"{m.logical} <- {m.field.name} ({m.field.id})"
                                          for m in proposal.fields.values()))
    renamed = [f"{k} <- {v}" for k, v in proposal.issue_types.items() if k != v]
    if renamed:
        lines.append("  issue types: " + "; ".join(renamed))
    lines.append(f"  gate approvers: group {proposal.pmo_group or 'pmo (not found)'}; language {proposal.language}")
    lines.append("  bot: " + ", ".join(f"{key} {value}" for key, value in site.jira["bot"].items()))
    missing = unmapped(proposal, site)
    lines.append("not mapped:" + ("" if missing else " nothing"))
    lines += [f"  - {line}" for line in missing]
    changes = [f"{name}: {line}" for name, said in standard.adapted.items() for line in said]
    if changes:
        lines.append("adapted from the example standard:")
        lines += [f"  - {line}" for line in changes]
    lines.append(f"files in {out}:")
    if outcome.written:
        lines.append(f"  wrote {', '.join(outcome.written)}")
    if outcome.unchanged:
        lines.append(f"  unchanged {', '.join(outcome.unchanged)}")
    lines += [f"  kept {out / name}: {why} (--force overwrites it)" for name, why in outcome.kept.items()]
    where = out / "pmokit.yaml"
    if result.errors:
        lines.append(f"check (pmokit config validate {where}): {len(result.errors)} error(s)")
    else:
        lines.append(f"check (pmokit config validate {where}): valid"
                     + (f", {len(result.warnings)} warning(s)" if result.warnings else ""))
    lines += [f"  {problem.format()}" for problem in result.problems]
    config = "" if out == Path(".") else f" --config {out}"
    path = "/webhooks/jira"
    lines += ["next:",
              f"  set {site.token_env} (the bot's token) and PMOKIT_WEBHOOK_SECRET (the secret Jira signs webhooks "
              f"with) where pmokit runs",
              f"  pmokit{config} doctor",
              f"  pmokit{config} webhook register --url https://<where pmokit serve is reached>{path}",
              f"  pmokit{config} sync"]
    return "\n".join(lines)

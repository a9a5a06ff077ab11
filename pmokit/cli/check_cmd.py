"""``pmokit check``: evaluate issues from the store against the PMO's rules, and enforce (or show) the result."""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from config.problems import ConfigError
from config.secrets import MissingSecretError
from connector.errors import AtlassianError

from .context import CliState, config_failure, pass_state
from .errors import UsageError, UserError

if TYPE_CHECKING:
    from pmokit.runtime import Runtime
    from report_jobs.events.apply import Applied
    from rules.actions import Action
    from rules.evaluation import Evaluation
    from rules.results import Result

log = logging.getLogger(__name__)
STATE_MARK = {"pass": "✓", "fail": "✗", "pending": "…", "skipped": "-", "error": "!"}


@click.command("check")
@click.argument("keys", nargs=-1)
@click.option("--project", "projects", multiple=True, metavar="KEY", help="Every issue of these projects.")
@click.option("--jql", help="The issues a JQL search finds (run against Jira).")
@click.option("--dry-run", is_flag=True, help="List the exact actions (comments, labels, transitions); write nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--all-results", is_flag=True, help="Show passing and skipped results too.")
@pass_state
def check_command(state: CliState, keys: tuple[str, ...], projects: tuple[str, ...], jql: str | None, dry_run: bool,
                  fmt: str, all_results: bool) -> None:
    """Evaluate issues from the store (run `pmokit sync` first) and enforce the PMO's rules on them."""
    from pmokit.runtime import open_runtime
    from report_jobs.events.enforce import enforce
    from report_jobs.sync.snapshot import load_scoped_facts
    from rules.engine import compliance
    from rules.reach import portfolio_reach

    if sum(bool(x) for x in (keys, projects, jql)) != 1:
        raise UsageError("name issues (KEY ...), or give --project or --jql (one of them)")
    settings = state.settings(require_secrets=("jira", "store"))
    runtime = open_runtime(settings)
    try:
        # Only what the selection needs is read from the store: its projects whole, and of the others what the
        # portfolio rules count (rules.reach).
        ids: set[str] = set()
        if jql:
            from connector.jira_reader import JiraReader

            ids = set(JiraReader(runtime.jira).ids(jql))
            focus = _projects_of_ids(runtime, ids)
        elif projects:
            focus = {p.upper() for p in projects}
        else:
            focus = _projects_of_keys(runtime, [k.upper() for k in keys])
        if not focus:
            raise UsageError("no issues to check: the store has none for that selection (run `pmokit sync`)")
        facts, scope = load_scoped_facts(runtime, sorted(focus), portfolio_reach(settings.rules))
        log.info(scope.line())
        if jql:
            targets = [i.key for i in facts.issues.values() if i.id in ids]
        elif projects:
            targets = [i.key for i in facts.issues.values() if i.project_key in focus]
        else:
            targets = [k.upper() for k in keys]
        if not targets:
            raise UsageError("no issues to check: the store has none for that selection (run `pmokit sync`)")
        done = enforce(runtime, facts, targets, trigger="check", dry_run=dry_run)
        results, actions, applied = done.results, done.actions, done.applied
    except ConfigError as exc:  # an approver Jira does not know
        raise config_failure(exc) from None
    except (AtlassianError, MissingSecretError) as exc:
        raise UserError(f"check failed: {exc}") from None
    finally:
        runtime.close()
    # Portfolio rules look at the whole portfolio; show what concerns the selection (a person's load is in the
    # reports and the audit).
    wanted, projects_of = set(targets), {facts.issues[k].project_key for k in targets if k in facts.issues}
    mine = [r for r in results if r.issue_key in wanted or (not r.issue_key and r.project_key in projects_of)]
    shown = [r for r in mine if all_results or r.state.value in ("fail", "pending", "error")]
    if fmt == "json":
        click.echo(json.dumps({
            "results": [_result_json(r) for r in shown],
            "compliance": {k: {"score": v.score, "passed": v.passed, "failed": v.failed}
                           for k, v in compliance(results).items()},
            "actions": [{"kind": a.kind, "issue": a.issue_key, "text": a.text, "reason": a.reason} for a in actions],
            "applied": [{"kind": a.action.kind, "issue": a.action.issue_key,
                         "result": a.result.action if a.result else None, "error": a.error} for a in applied],
            "dry_run": dry_run}, ensure_ascii=False, indent=2))
    else:
        _table(shown, results, actions, applied, dry_run)
    if any(a.error and not a.final for a in applied):  # a move the workflow refuses is said, not a failure
        sys.exit(1)


def _projects_of_keys(runtime: Runtime, keys: list[str]) -> set[str]:
    from pmokit.store import issues as store

    with runtime.sessions() as session:
        found = store.project_keys_of(session, keys)
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise UsageError(f"not in the store: {', '.join(unknown)} (run `pmokit sync`, or check the keys)")
    return set(found.values())


def _projects_of_ids(runtime: Runtime, ids: set[str]) -> set[str]:
    from pmokit.store import issues as store

    with runtime.sessions() as session:
        rows = store.stored_issues_by_id(session, sorted(ids))
        return set(store.project_keys_of(session, [row.key for row in rows]).values())


def _result_json(result: Result) -> dict[str, Any]:
    return {"rule": result.rule_id, "kind": result.kind, "issue": result.issue_key, "state": result.state.value,
            "severity": result.severity.value, "enforcement": result.enforcement, "message": result.message,
            "evidence": list(result.evidence), "missing": list(result.missing), "fix": result.fix,
            "in_grace": result.in_grace}


def _table(shown: list[Result], results: Evaluation, actions: list[Action], applied: list[Applied],
           dry_run: bool) -> None:
    for result in sorted(shown, key=lambda r: (r.issue_key, -r.severity.weight, r.rule_id)):
        grace = " (grace period)" if result.in_grace else ""
        click.echo(f"{STATE_MARK[result.state.value]} {result.issue_key:<10} {result.rule_id:<22} "
                   f"{result.severity.value:<8} {result.message}{grace}")
        if result.state.value != "pass" and result.fix:
            click.echo(f"  fix: {result.fix}")
    counts = {s: sum(1 for r in results if r.state.value == s) for s in ("pass", "fail", "pending", "error")}
    click.echo(f"{len(results)} results: {counts['pass']} pass, {counts['fail']} fail, {counts['pending']} pending, "
               f"{counts['error']} error")
    if dry_run:
        click.echo(f"dry run: {len(actions)} actions, nothing written")
        for action in actions:
            click.echo(f"- {action.describe()}")
    else:
        changed = sum(1 for a in applied if a.changed)
        failed = [a for a in applied if a.error]
        click.echo(f"enforced: {changed} changes written, {len(applied) - changed - len(failed)} already so"
                   + (f", {len(failed)} failed" if failed else ""))
        for item in failed:
            click.echo(f"  failed: {item.summary}: {item.error}")

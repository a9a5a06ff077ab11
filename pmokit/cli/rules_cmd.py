"""``pmokit rules``: test the PMO's standard on sample issues."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from config import ConfigError

from .context import CliState, pass_state
from .errors import UsageError


@click.group("rules")
def rules_group() -> None:
    """Work with the PMO's rules."""


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@pass_state
def test_command(state: CliState, paths: tuple[Path, ...]) -> None:
    """Run rule test cases (YAML): given issues at a moment, the results each rule must give.

    PATHS are case files or directories of them (default: tests/ beside the configuration). Prints a diff
    for every expectation not met; exits 1 if any case fails.
    """
    from rules.casefile import load_cases
    from rules.testing import run_case

    settings = state.settings(require_secrets=False)
    chosen = list(paths) or [settings.base_dir / "tests"]
    missing = [p for p in chosen if not p.exists()]
    if missing:
        raise UsageError(f"no rule tests at {', '.join(str(p) for p in missing)}")
    try:
        cases = load_cases(chosen)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        raise UsageError(f"the rule tests have {len(exc.problems)} problem(s)") from None
    passed = failed = 0
    rules = list(getattr(settings, "rules", []))
    for source, case in cases:
        report = run_case(case, str(source), rules, settings)
        if report.passed:
            passed += 1
            click.echo(f"PASS  {case.name}")
        else:
            failed += 1
            click.echo(f"FAIL  {case.name}  ({source})")
            for failure in report.failures:
                click.echo(f"    - {failure}")
    click.echo(f"rules: {passed} passed, {failed} failed")
    if failed:
        sys.exit(1)

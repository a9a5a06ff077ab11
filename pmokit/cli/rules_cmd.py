"""``pmokit rules``: test the PMO's standard on sample issues."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from config.problems import Problem
from config.yaml_source import expand_paths, load_file
from rules.casefile import Case, parse_cases

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
    from rules.testing import run_case

    settings = state.settings(require_secrets=False)
    chosen = list(paths) or [settings.base_dir / "tests"]
    missing = [p for p in chosen if not p.exists()]
    if missing:
        raise UsageError(f"no rule tests at {', '.join(str(p) for p in missing)}")
    cases, problems = read_cases(chosen)
    if problems:
        for problem in problems:
            click.echo(problem.format(), err=True)
        raise UsageError(f"the rule tests have {len(problems)} problem(s)")
    passed = failed = 0
    for source, case in cases:
        report = run_case(case, str(source), settings)
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


def read_cases(paths: list[Path]) -> tuple[list[tuple[Path, Case]], list[Problem]]:
    """Every case in the given files and directories, and every problem found in them."""
    found: list[tuple[Path, Case]] = []
    problems: list[Problem] = []
    for path in expand_paths(paths):
        data, locations, file_problems = load_file(path, str(path))
        problems.extend(file_problems)
        if data is not None:
            cases, case_problems = parse_cases(data, locations, path)
            found.extend((path, case) for case in cases)
            problems.extend(case_problems)
    return found, problems

"""``pmokit config``: validate configuration files and print their JSON Schema."""

from __future__ import annotations

import sys

import click

from config import resolve_config_paths, validate
from config.schema import schema_text

from .context import CliState, pass_state


@click.group("config")
def config_group() -> None:
    """Check and describe the PMO's YAML configuration."""


@config_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--strict", is_flag=True, help="Treat warnings (such as unset secret variables) as errors.")
@pass_state
def validate_command(state: CliState, paths: tuple[str, ...], strict: bool) -> None:
    """Check configuration files (combined into one configuration) and print every problem.

    Prints one line per problem as FILE:LINE:COL: yaml.path: message. Exits 0 when the configuration
    is valid (warnings allowed unless --strict), 2 otherwise.
    """
    chosen = resolve_config_paths(list(paths) or state.config_paths)
    result = validate(chosen)
    for problem in result.problems:
        click.echo(problem.format())
    names = ", ".join(str(p) for p in chosen)
    failed = bool(result.errors) or (strict and bool(result.warnings))
    summary = (f"{names}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)" if result.problems
               else f"{names}: valid")
    click.echo(summary, err=True)
    if failed:
        sys.exit(2)


@config_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the configuration (also committed as config/schema.json)."""
    click.echo(schema_text(), nl=False)

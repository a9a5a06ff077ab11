"""What every command shares: the chosen configuration and how to load it."""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from config import ConfigError, Settings, load_settings, resolve_config_paths
from config.loader import Needs

from .errors import UsageError


@dataclass
class CliState:
    config_paths: list[str] = field(default_factory=list)
    verbosity: int = 0
    log_format: str = "text"

    def settings(self, *, require_secrets: Needs = True) -> Settings:
        """The configuration for a command; every problem printed and exit 2 when it cannot be used.
        ``require_secrets``: the sections whose secrets this command reads (an unreadable one is a located
        error); the others are not read at all."""
        try:
            return load_settings(resolve_config_paths(self.config_paths), require_secrets=require_secrets)
        except ConfigError as exc:
            raise config_failure(exc) from None


def config_failure(exc: ConfigError) -> UsageError:
    """Print every problem (``FILE:LINE:COL: path: message``) and say how many: exit 2."""
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    return UsageError(f"the configuration has {len(exc.problems)} problem(s)")


pass_state = click.make_pass_decorator(CliState)

"""The ``pmokit`` command line."""

from __future__ import annotations

import sys
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import click

from config.secrets import MissingSecretError
from pmokit import __version__, logs
from pmokit.store.errors import StoreError

from .context import CliState
from .errors import UserError


class PmokitGroup(click.Group):
    """Turns every user error, and every operational one (a secret that cannot be read, a store that cannot be
    opened, a time zone this machine does not know), into one clear line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"error: {logs.redact(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except MissingSecretError as exc:
            click.echo(f"error: a secret this command needs cannot be read: {logs.redact(str(exc))}", err=True)
            sys.exit(1)
        except StoreError as exc:
            click.echo(f"error: {logs.redact(str(exc))}", err=True)
            sys.exit(1)
        except ZoneInfoNotFoundError as exc:
            click.echo(f"error: a time zone this machine does not know: {logs.redact(str(exc))}", err=True)
            sys.exit(1)


@click.group(cls=PmokitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmokit")
@click.option("--config", "config_paths", multiple=True, type=click.Path(path_type=str), envvar="PMOKIT_CONFIG",
              help="Configuration file or directory (repeatable; default: $PMOKIT_CONFIG, ./pmokit.yaml, "
                   "else the embedded example standard).")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Log lines as text or as one JSON object each.")
@click.pass_context
def cli(ctx: click.Context, config_paths: tuple[str, ...], verbose: int, log_format: str) -> None:
    """pmokit: a Project Management Office on top of Jira and Confluence."""
    logs.configure(verbose, log_format)
    ctx.obj = CliState(config_paths=list(config_paths), verbosity=verbose, log_format=log_format)


def _register_commands() -> None:
    from .audit_cmd import audit_command
    from .check_cmd import check_command
    from .config_cmd import config_group
    from .db_cmd import db_group
    from .demo_cmd import demo_command
    from .doctor_cmd import doctor_command
    from .gate_cmd import gate_group
    from .inbox_cmd import inbox_group
    from .init_cmd import init_command
    from .report_cmd import report_command
    from .rules_cmd import rules_group
    from .sandbox_cmd import sandbox_group
    from .serve_cmd import scheduler_command, serve_command, worker_command
    from .sync_cmd import sync_command
    from .webhook_cmd import webhook_group

    cli.add_command(audit_command)
    cli.add_command(check_command)
    cli.add_command(gate_group)
    cli.add_command(config_group)
    cli.add_command(db_group)
    cli.add_command(demo_command)
    cli.add_command(doctor_command)
    cli.add_command(report_command)
    cli.add_command(rules_group)
    cli.add_command(sandbox_group)
    cli.add_command(sync_command)
    cli.add_command(serve_command)
    cli.add_command(worker_command)
    cli.add_command(scheduler_command)
    cli.add_command(inbox_group)
    cli.add_command(init_command)
    cli.add_command(webhook_group)


_register_commands()


def main() -> None:
    cli(prog_name="pmokit")

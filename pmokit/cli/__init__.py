"""The ``pmokit`` command line."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import click

from config.secrets import MissingSecretError
from pmokit import __version__, logs
from pmokit.store.errors import StoreError

from .context import CliState
from .errors import UserError

# Each command's module loads only when that command runs (or when --help lists them all): a command pays for
# the libraries it uses, not for those of every other command.
_COMMANDS = {
    "audit": "audit_cmd:audit_command",
    "check": "check_cmd:check_command",
    "config": "config_cmd:config_group",
    "db": "db_cmd:db_group",
    "demo": "demo_cmd:demo_command",
    "doctor": "doctor_cmd:doctor_command",
    "gate": "gate_cmd:gate_group",
    "inbox": "inbox_cmd:inbox_group",
    "init": "init_cmd:init_command",
    "report": "report_cmd:report_command",
    "rules": "rules_cmd:rules_group",
    "sandbox": "sandbox_cmd:sandbox_group",
    "scheduler": "serve_cmd:scheduler_command",
    "serve": "serve_cmd:serve_command",
    "sync": "sync_cmd:sync_command",
    "webhook": "webhook_cmd:webhook_group",
    "worker": "serve_cmd:worker_command",
}


class PmokitGroup(click.Group):
    """Loads each command on first use, and turns every user error, and every operational one (a secret that
    cannot be read, a store that cannot be opened, a time zone this machine does not know), into one clear line
    and an exit code, never a traceback."""

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


    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module_name, attribute = _COMMANDS[cmd_name].split(":")
            self.add_command(getattr(import_module(f"{__name__}.{module_name}"), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


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


def main() -> None:
    from pmokit import gc_settings

    gc_settings.tune()
    cli(prog_name="pmokit")

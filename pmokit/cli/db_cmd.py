"""``pmokit db``: create and upgrade the store."""

from __future__ import annotations

import logging

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from pmokit.store import current_revision, head_revision, make_engine, resolve_url, upgrade
from pmokit.store.engine import cause

from .context import CliState, pass_state
from .errors import UserError

log = logging.getLogger(__name__)


@click.group("db")
def db_group() -> None:
    """Manage the pmokit store (SQLite or PostgreSQL)."""


def _engine(state: CliState, url: str | None) -> Engine:
    if url:
        return make_engine(url)
    settings = state.settings(require_secrets=("store",))
    return make_engine(settings.store.url, settings.base_dir)


@db_group.command("upgrade")
@click.option("--url", help="Store URL (default: store.url from the configuration).")
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
@pass_state
def upgrade_command(state: CliState, url: str | None, revision: str) -> None:
    """Apply the store's migrations."""
    engine = _engine(state, url)
    where = resolve_url(engine.url.render_as_string(hide_password=True))
    try:
        before = current_revision(engine)
        log.info("store at %s is at revision %s; migrating to %s", where, before or "empty", revision)
        upgrade(engine, revision)
        after = current_revision(engine)
    except SQLAlchemyError as exc:
        raise UserError(f"cannot upgrade the store at {where}: {_cause(exc)}") from None
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"store at {where} is up to date (revision {after})")
    else:
        click.echo(f"store at {where} upgraded from {before or 'empty'} to {after}")


@db_group.command("current")
@click.option("--url", help="Store URL (default: store.url from the configuration).")
@pass_state
def current_command(state: CliState, url: str | None) -> None:
    """Print the store's revision and the newest one this pmokit knows."""
    engine = _engine(state, url)
    where = resolve_url(engine.url.render_as_string(hide_password=True))
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise UserError(f"cannot read the store at {where}: {_cause(exc)}") from None
    finally:
        engine.dispose()
    head = head_revision()
    state_word = "up to date" if current == head else "needs 'pmokit db upgrade'"
    click.echo(f"current: {current or 'empty'}; newest: {head}; {state_word}")


def _cause(exc: SQLAlchemyError) -> str:
    """The driver's own error where SQLAlchemy wraps one (a DBAPIError), else SQLAlchemy's: on one line."""
    return f"{exc.__class__.__name__}: {cause(exc)}"

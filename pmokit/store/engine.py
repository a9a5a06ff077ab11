"""Engines for the store: SQLite by default (WAL, foreign keys), PostgreSQL by URL."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from config.secrets import MissingSecretError, expand

from .errors import StoreError


def _dumps(value: Any) -> str:
    """JSON columns written by orjson (several times the standard encoder's speed on issue fields); what it
    refuses (an integer past 64 bits) by the standard encoder."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


load_json = _loads  # what reads the store's JSON columns past SQLAlchemy (pmokit.store.issues)
JSON_CODEC: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": _loads}
SCHEMES = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def resolve_url(url: str, base_dir: Path | None = None) -> str:
    """``${...}`` references replaced (their values kept out of logs); a relative SQLite path is read beside the
    configuration; ``postgresql://`` uses psycopg 3. :class:`StoreError` for a URL that names no store."""
    if "${" in url:
        try:
            url = expand(url, base_dir)
        except (MissingSecretError, ValueError) as exc:
            raise StoreError(f"store.url: {exc}") from None
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"store.url is not a database URL: use {SCHEMES}") from None
    if parsed.drivername == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def shown(url: str) -> str:
    """A store URL fit to print: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


log = logging.getLogger(__name__)


def make_engine(url: str, base_dir: Path | None = None, *, background_checkpoint: bool = False) -> Engine:
    """``background_checkpoint``: on SQLite, no commit copies the write-ahead log into the database itself;
    call :func:`start_checkpointer` to do it from a thread of its own (the webhook receiver, whose commits must
    not stall for a checkpoint's fsync)."""
    url = resolve_url(url, base_dir)
    try:
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:" and not Path(database).parent.is_dir():
                raise StoreError(f"the SQLite store {database} cannot be made: its directory "
                                 f"{Path(database).parent} does not exist")
            engine = create_engine(url, connect_args={"timeout": 30}, **JSON_CODEC)
            event.listen(engine, "connect", _sqlite_pragmas)
            if background_checkpoint:
                event.listen(engine, "connect", _no_autocheckpoint)
            return engine
        return create_engine(url, pool_pre_ping=True, **JSON_CODEC)
    except NoSuchModuleError:
        raise StoreError(f"store.url {shown(url)}: no such database kind; use {SCHEMES}") from None
    except ImportError as exc:
        raise StoreError(f"store.url {shown(url)}: its driver is not installed ({exc.name or exc}); for "
                         f"PostgreSQL install pmokit[postgres]") from None


def _no_autocheckpoint(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def start_checkpointer(engine: Engine, interval: float = 0.5) -> threading.Event | None:
    """On SQLite, a daemon thread that checkpoints the WAL every ``interval`` seconds without blocking writers
    (PASSIVE); set the returned event to stop it. Nothing on other databases."""
    if engine.dialect.name != "sqlite":
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(interval):
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception as exc:  # a busy or missing file now is retried at the next tick
                log.warning("WAL checkpoint failed: %s", exc.__class__.__name__)

    threading.Thread(target=run, name="pmokit-wal-checkpoint", daemon=True).start()
    return stop


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (reports) run while the worker writes; NORMAL is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@dataclass(frozen=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str, base_dir: Path | None = None, *, migrate: bool = True,
               background_checkpoint: bool = False) -> Store:
    """The store at ``url`` (a relative SQLite path is read beside ``base_dir``), migrated to the newest
    revision unless ``migrate`` is false (migrations only add; processes starting together take turns)."""
    from .migrate import upgrade

    engine = make_engine(url, base_dir, background_checkpoint=background_checkpoint)
    if migrate:
        try:
            upgrade(engine)
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store at {shown(engine.url.render_as_string(hide_password=False))}: "
                             f"{cause(exc)}") from None
    return Store(engine, session_factory(engine))


def cause(exc: BaseException) -> str:
    """The driver's own words where SQLAlchemy wraps them (a DBAPIError), on one line."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or inner.__class__.__name__
    return text[:300]

"""Secrets are references in YAML (``${ENV_VAR}``, ``${ENV_VAR:-default}``, ``${file:PATH}``), never values.

A :class:`SecretRef` is resolved only when a command needs it. Its ``repr`` and ``str`` show the reference,
never the value, and every value revealed is registered with the log redactor.

A URL setting may hold such references inside its text (``postgresql://pmokit:${PGPASSWORD}@db/pmokit``):
:func:`references_in` finds them, :func:`expand` replaces them (registering what it revealed, like a secret).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, ValidationInfo, WithJsonSchema
from pydantic_core import core_schema

from .limits import ALLOW_ENV, LIMITS, LimitExceeded, allowed_roots, inside, read_bounded

_ONE = r"\$\{(?:file:(?P<file>[^}]+)|(?P<env>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?)\}"
REFERENCE = re.compile(f"^{_ONE}$")
INSIDE = re.compile(_ONE)

# Docker and Kubernetes mount secrets here; systemd's LoadCredential= names its directory in the environment.
SYSTEM_SECRET_DIRS = ("/run/secrets",)

_revealed: set[str] = set()


class MissingSecretError(Exception):
    """A secret's environment variable or file is missing; the message names it, never a value."""


class SecretRef:
    __slots__ = ("base_dir", "default", "env", "file")

    def __init__(self, env: str | None = None, file: str | None = None, default: str | None = None,
                 base_dir: Path | None = None):
        self.env, self.file, self.default, self.base_dir = env, file, default, base_dir

    @classmethod
    def parse(cls, text: str, base_dir: Path | None = None) -> SecretRef:
        match = REFERENCE.match(text.strip())
        if not match:
            raise ValueError(
                "secrets may not be written in YAML: use ${ENV_VAR} or ${file:PATH} "
                "(the file holds only the secret)")
        return cls(match["env"], match["file"], match["default"], base_dir)

    @property
    def reference(self) -> str:
        if self.file:
            return f"${{file:{self.file}}}"
        return f"${{{self.env}:-…}}" if self.default is not None else f"${{{self.env}}}"

    def missing(self) -> str | None:
        """What is missing to resolve this secret, or ``None`` when it resolves."""
        if self.file:
            path = self._file_path()
            if not inside(path, self.secret_roots()):
                return (f"secret file {path} is outside the directories secrets are read from (the "
                        f"configuration's, {', '.join(SYSTEM_SECRET_DIRS)}, $CREDENTIALS_DIRECTORY and {ALLOW_ENV})")
            return None if path.is_file() else f"secret file {path} does not exist"
        if self.env and self.env not in os.environ and self.default is None:
            return f"environment variable {self.env} is not set"
        return None

    def reveal(self, *, secret: bool = True) -> str:
        """The value; registered with the log redactor unless ``secret`` is false (a URL's host, say)."""
        problem = self.missing()
        if problem:
            raise MissingSecretError(problem)
        if self.file:
            try:
                value = read_bounded(self._file_path(), LIMITS.secret_bytes).decode("utf-8").strip()
            except (LimitExceeded, OSError, UnicodeDecodeError) as exc:
                reason = exc.message if isinstance(exc, LimitExceeded) else "it cannot be read as UTF-8 text"
                raise MissingSecretError(f"secret file {self._file_path()}: {reason}") from None
        else:
            value = os.environ.get(self.env or "", self.default or "")
        if value and secret:
            _revealed.add(value)
        return value

    def secret_roots(self) -> list[Path]:
        """Where ``${file:…}`` may read: the configuration's directory tree, the directories container and
        service managers put secrets in, and those named in ``PMOKIT_CONFIG_ALLOW``."""
        own = [self.base_dir] if self.base_dir is not None else [Path.cwd()]
        system = [Path(d) for d in SYSTEM_SECRET_DIRS]
        if os.environ.get("CREDENTIALS_DIRECTORY"):
            system.append(Path(os.environ["CREDENTIALS_DIRECTORY"]))
        return allowed_roots([*own, *system])

    def _file_path(self) -> Path:
        path = Path(os.path.expanduser(self.file or ""))
        return path if path.is_absolute() or self.base_dir is None else self.base_dir / path

    def __repr__(self) -> str:
        return f"SecretRef({self.reference!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretRef) and (self.env, self.file) == (other.env, other.file)

    def __hash__(self) -> int:
        return hash((self.env, self.file))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _parse, serialization=core_schema.plain_serializer_function_ser_schema(lambda ref: ref.reference))


def revealed_values() -> frozenset[str]:
    return frozenset(_revealed)


def references_in(text: str, base_dir: Path | None = None) -> list[SecretRef]:
    """The ``${...}`` references inside ``text``; ValueError for a ``${`` that does not start one."""
    found = [SecretRef(m["env"], m["file"], m["default"], base_dir) for m in INSIDE.finditer(text)]
    if "${" in INSIDE.sub("", text):
        raise ValueError("a '${' that is no reference: write ${ENV_VAR}, ${ENV_VAR:-default} or ${file:PATH}")
    return found


def expand(text: str, base_dir: Path | None = None, *, secret: bool = True) -> str:
    """``text`` with each reference replaced by its value (:class:`MissingSecretError` naming what is missing);
    the values are registered with the log redactor unless ``secret`` is false."""
    references_in(text, base_dir)
    return INSIDE.sub(lambda m: SecretRef(m["env"], m["file"], m["default"], base_dir).reveal(secret=secret), text)


def _parse(value: Any, info: ValidationInfo) -> SecretRef:
    if isinstance(value, SecretRef):
        return value
    if not isinstance(value, str):
        raise ValueError("a secret must be a reference such as ${ENV_VAR} or ${file:PATH}")
    base = (info.context or {}).get("base_dir")
    return SecretRef.parse(value, Path(base) if base else None)


Secret = Annotated[
    SecretRef,
    WithJsonSchema({
        "type": "string",
        "pattern": REFERENCE.pattern,
        "description": "A reference to a secret: ${ENV_VAR}, ${ENV_VAR:-default} or ${file:PATH}.",
    }),
]

"""Configuration problems: where they are, what is wrong, and how they print."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

Path = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location | None
    path: Path
    message: str
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = str(self.location) if self.location else "<config>"
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {format_path(self.path) or '<root>'}: {prefix}{self.message}"


class ConfigError(Exception):
    """Raised when a configuration cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


NAME_LIKE = re.compile(r"[\w.$@/+-]{1,64}")


def shown_name(name: object) -> str:
    """A key as it may be quoted in a message: names as written; anything else (a line of a file that is not
    a configuration, a password pasted as a key) is not repeated."""
    text = str(name)
    return text if NAME_LIKE.fullmatch(text) else "<key>"


def shown_value(value: object) -> str:
    """A value as it may be quoted in a message: a short scalar as written, else what kind of value it is."""
    if isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        if len(value) <= 60 and value.isprintable():
            return repr(value)
        return f"a text of {len(value)} characters"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return "nothing (null)" if value is None else type(value).__name__


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = shown_name(part)
            out += f".{name}" if out else name
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close candidate exists, else an empty string."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def allowed(candidates: Iterable[str]) -> str:
    names = sorted({str(c) for c in candidates})
    return "; allowed: " + ", ".join(names) if names else ""

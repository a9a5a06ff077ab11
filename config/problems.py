"""Configuration problems: where they are, what is wrong, and how they print."""

from __future__ import annotations

import difflib
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


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close candidate exists, else an empty string."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def allowed(candidates: Iterable[str]) -> str:
    names = sorted({str(c) for c in candidates})
    return "; allowed: " + ", ".join(names) if names else ""

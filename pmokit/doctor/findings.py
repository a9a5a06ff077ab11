"""What one check found: passed or failed, what it saw, and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """``check`` names the check; ``detail`` says what was seen (on a failure: what is wrong); ``fix`` what to do
    about it (None when it passed); ``warnings`` what is worth knowing and does not fail the check."""

    check: str
    ok: bool
    detail: str
    fix: str | None = None
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        detail = self.detail + "".join(f"; warning: {w}" for w in self.warnings)
        return {"check": self.check, "ok": self.ok, "detail": detail, "fix": self.fix}


def passed(check: str, detail: str, warnings: list[str] | tuple[str, ...] = ()) -> Finding:
    return Finding(check, True, detail, None, tuple(warnings))


def failed(check: str, detail: str, fix: str, warnings: list[str] | tuple[str, ...] = ()) -> Finding:
    return Finding(check, False, detail, fix, tuple(warnings))


def listed(items: list[str], most: int = 6) -> str:
    """``a, b, c`` — and how many more past ``most``."""
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")

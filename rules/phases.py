"""The phases a project goes through, in order: those of its type (a field of its record), else ``phases:``."""

from __future__ import annotations

from typing import Any

from pmokit.records import Issue


def project_type(settings: Any, record: Issue | None) -> Any | None:
    """The declared project type (``portfolio.project_types``) of the project whose record is ``record``."""
    types = getattr(getattr(settings, "portfolio", None), "project_types", None)
    value = record.custom.get(types.field) if types is not None and record is not None else None
    if not isinstance(value, str):
        return None
    wanted = value.casefold()
    return next((kind for kind in types.types if any(v.casefold() == wanted for v in kind.values)), None)


def phase_order(settings: Any, record: Issue | None) -> list[str]:
    """Phase ids in order for the project whose record is ``record`` (settings may be absent in tests)."""
    kind = project_type(settings, record)
    if kind is not None:
        return list(kind.phases)
    return [p.id for p in getattr(settings, "phases", None) or []]


def record_type(settings: Any) -> str:
    return getattr(getattr(settings, "portfolio", None), "record_issue_type", "Project")

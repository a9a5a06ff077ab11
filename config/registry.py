"""Extension points of the configuration: sections and cross-checks that other packages register.

The core sections live in :mod:`config.models`. A rule kind, a report kind or a third-party plugin adds
its own part by calling :func:`register_section` (and :func:`register_check` for checks that look across
sections) from a module listed in :data:`BUILTIN_PLUGINS` or exposed through the ``pmokit.plugins``
entry-point group. The schema, validation and ``pmokit config schema`` pick them up from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from pydantic_core import PydanticUndefined

if TYPE_CHECKING:
    from .checks import CheckContext
    from .problems import Problem

# Modules of this distribution that register configuration parts when imported.
BUILTIN_PLUGINS: tuple[str, ...] = ("rules.config_section", "report_jobs.config_section")

REQUIRED = PydanticUndefined


@dataclass(frozen=True)
class SectionSpec:
    name: str
    annotation: Any
    default: Any = REQUIRED
    description: str = ""


CheckFn = Callable[["CheckContext"], "Iterable[Problem]"]


@dataclass(frozen=True)
class CheckSpec:
    needs: tuple[str, ...]
    fn: CheckFn


_sections: dict[str, SectionSpec] = {}
_checks: list[CheckSpec] = []
_plugins_loaded = False


def register_section(name: str, annotation: Any, *, default: Any = REQUIRED, description: str = "") -> None:
    """Add a top-level section. Registering the same name twice with another type is an error."""
    existing = _sections.get(name)
    if existing and existing.annotation is not annotation:
        raise ValueError(f"configuration section '{name}' is already registered")
    _sections[name] = SectionSpec(name, annotation, default, description)


def register_check(*needs: str) -> Callable[[CheckFn], CheckFn]:
    """Decorator: a check that runs when every section it ``needs`` is valid."""

    def decorate(fn: CheckFn) -> CheckFn:
        if all(spec.fn is not fn for spec in _checks):
            _checks.append(CheckSpec(tuple(needs), fn))
        return fn

    return decorate


def extension_sections() -> dict[str, SectionSpec]:
    load_plugins()
    return dict(_sections)


def checks() -> list[CheckSpec]:
    load_plugins()
    return list(_checks)


def load_plugins() -> None:
    """Import the modules that register configuration parts, once."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    importlib.import_module("config.checks")
    for module in BUILTIN_PLUGINS:
        importlib.import_module(module)
    for ep in entry_points(group="pmokit.plugins"):
        ep.load()

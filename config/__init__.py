"""pmokit configuration: YAML parsed once into typed, frozen settings, with every problem located.

The names below are loaded when first asked for, so that importing one pure part of the configuration (its
models, as ``rules/`` does) does not bring in the parts that read files (``loader``, ``yaml_source``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import DEFAULT_CONFIG, LoadResult, load_settings, resolve_config_paths, validate
    from .models import Settings
    from .problems import ConfigError, Location, Problem, Severity
    from .secrets import MissingSecretError, SecretRef

_WHERE = {
    "DEFAULT_CONFIG": "loader", "LoadResult": "loader", "load_settings": "loader", "resolve_config_paths": "loader",
    "validate": "loader", "Settings": "models", "ConfigError": "problems", "Location": "problems",
    "Problem": "problems", "Severity": "problems", "MissingSecretError": "secrets", "SecretRef": "secrets",
}

__all__ = ["DEFAULT_CONFIG", "ConfigError", "LoadResult", "Location", "MissingSecretError", "Problem", "SecretRef",
           "Settings", "Severity", "load_settings", "resolve_config_paths", "validate"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'config' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)

"""pmokit configuration: YAML parsed once into typed, frozen settings, with every problem located."""

from .loader import DEFAULT_CONFIG, LoadResult, load_settings, resolve_config_paths, validate
from .models import Settings
from .problems import ConfigError, Location, Problem, Severity
from .secrets import MissingSecretError, SecretRef

__all__ = [
    "DEFAULT_CONFIG",
    "ConfigError",
    "LoadResult",
    "Location",
    "MissingSecretError",
    "Problem",
    "SecretRef",
    "Settings",
    "Severity",
    "load_settings",
    "resolve_config_paths",
    "validate",
]

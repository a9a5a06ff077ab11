"""pmokit configuration: YAML parsed once into typed, frozen settings, with every problem located."""

from .loader import DEFAULT_CONFIG, LoadResult, load_settings, resolve_config_paths, settings_model, validate
from .models import Settings
from .problems import ConfigError, Location, Problem, Severity
from .registry import register_check, register_section
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
    "register_check",
    "register_section",
    "resolve_config_paths",
    "settings_model",
    "validate",
]

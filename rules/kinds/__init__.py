"""The built-in rule kinds, one module each (with its schema of the same name in ``config.rule_specs``).
Adding one: its spec class there, its module here (a check that ends with ``KIND = register(Kind(...))``), and
one line below."""

from ..registry import KINDS, Kind
from . import (  # noqa: F401  (each module registers its kind)
    belongs_to_project,
    child_items,
    dates,
    dependencies,
    description_sections,
    documents,
    gate,
    naming,
    person_load,
    required_fields,
    wip_limit,
)


def kinds() -> dict[str, Kind]:
    """Every registered kind by name (the built-in ones, and any a test registered)."""
    return KINDS

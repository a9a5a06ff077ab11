"""The built-in rule kinds. Adding one: a module here with its spec and check, and one line below."""

from . import (  # noqa: F401
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

"""The built-in rule kinds. Adding one: a module here with its spec and check, and one line below."""

from . import child_items, dates, description_sections, documents, gate, naming, required_fields  # noqa: F401

"""A page as a list of sections (headings, text, tables, charts, details behind an expand), rendered to storage
format by one autoescaping template. Cells are escaped unless they are ``Markup`` (macros built here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .storage import check, environment


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2
    kind: str = "heading"


@dataclass(frozen=True)
class Text:
    text: str | Markup
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Any]]
    kind: str = "table"


@dataclass(frozen=True)
class Chart:
    filename: str  # shown at its own size
    kind: str = "chart"


@dataclass(frozen=True)
class Expand:
    title: str
    children: list[Any] = field(default_factory=list)
    kind: str = "expand"


@dataclass(frozen=True)
class Items:
    items: list[Any]
    kind: str = "items"


def render(sections: list[Any]) -> str:
    """Storage format of ``sections``; raises ``ValueError`` if it would not be well-formed."""
    body = environment().get_template("sections.xml.j2").render(sections=sections)
    check(body)
    return body

"""Rendering Confluence storage format: a Jinja2 environment that escapes every value, and the macros."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from config.language import Words

from ..words import COLOUR_NAMES
from . import cells
from .html import parse

COLOURS = {"green": "Green", "amber": "Yellow", "red": "Red", "pass": "Green", "pending": "Yellow",
           "fail": "Red", "skipped": "Grey", "error": "Red", "blue": "Blue", "breach": "Purple", "hold": "Blue",
           "kill": "Grey"}


def page_link(title: object, label: object | None = None) -> Markup:
    """A link to another page of the space, by its title."""
    return Markup('<ac:link><ri:page ri:content-title="{}" /><ac:link-body>{}</ac:link-body></ac:link>').format(
        title, title if label is None else label)


def attachment_link(filename: object, label: object) -> Markup:
    """A link to a file attached to this page."""
    return Markup('<ac:link><ri:attachment ri:filename="{}" /><ac:link-body>{}</ac:link-body></ac:link>').format(
        filename, label)


def status(title: object, colour: str) -> Markup:
    """A status lozenge (Confluence's ``status`` macro)."""
    return Markup('<ac:structured-macro ac:name="status" ac:schema-version="1">'
                  '<ac:parameter ac:name="title">{}</ac:parameter><ac:parameter ac:name="colour">{}</ac:parameter>'
                  '</ac:structured-macro>').format(title, COLOURS.get(str(colour), "Grey"))


def expand(title: object, body: Markup | str) -> Markup:
    """Details behind a click (the ``expand`` macro); ``body`` is escaped unless it is markup already."""
    return Markup('<ac:structured-macro ac:name="expand" ac:schema-version="1"><ac:parameter ac:name="title">{}'
                  '</ac:parameter><ac:rich-text-body>{}</ac:rich-text-body></ac:structured-macro>').format(
        title, body)


def jira_issue(key: object, server_id: str | None) -> Markup:
    """A Jira issue macro when the Jira server id (application link) is configured, else the key as text."""
    if not server_id:
        return escape(key)
    return Markup('<ac:structured-macro ac:name="jira" ac:schema-version="1"><ac:parameter ac:name="key">{}'
                  '</ac:parameter><ac:parameter ac:name="serverId">{}</ac:parameter></ac:structured-macro>').format(
        key, server_id)


def colour_word(t: Words, rag: object, *, upper: bool = True) -> str:
    """GREEN/AMBER/RED (as a lozenge reads; lower case in running text), or 绿/黄/红."""
    word = t(*COLOUR_NAMES[str(rag)]) if str(rag) in COLOUR_NAMES else str(rag)
    return word.upper() if upper else word


# What XML 1.0 forbids in a document (Confluence refuses the whole page), and the other C0/C1 controls: a
# reader cannot see them, and the sync drops them already; here they cannot reach a page whatever the source.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def showable(value: object) -> object:
    """A value as a page may carry it: text without control characters (markup stays markup)."""
    if isinstance(value, Markup):
        return Markup(_UNSHOWABLE.sub("", str(value)))
    if isinstance(value, str):
        return _UNSHOWABLE.sub("", value)
    return value


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                      finalize=showable)
    env.globals.update(expand=expand)  # the other macros reach the templates built (``PageContext``)
    env.tests["section"] = lambda value: hasattr(value, "kind")  # a section inside a table cell
    env.filters["number"] = cells.number
    env.filters["pct"] = cells.pct
    return env


def check(body: str) -> None:
    """Raise ``ValueError`` unless ``body`` is well-formed XML with the ``ac:`` and ``ri:`` namespaces."""
    try:
        parse(body)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed storage format: {exc}") from None

"""Confluence storage format: checked as Confluence checks it, and shown as simple HTML for people."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from report_jobs.reports.pages.html import parse, to_html

__all__ = ["parse", "problem", "to_html"]


def problem(body: str) -> str | None:
    """None when ``body`` is well-formed storage format, else Confluence's kind of message."""
    try:
        parse(body)
    except ET.ParseError as exc:
        line, column = exc.position
        return f"Error parsing xhtml: {exc.msg.split(':')[0]} at [row,col]: [{line},{max(column - 39, 1)}]"
    return None


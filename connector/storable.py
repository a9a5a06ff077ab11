"""Text from Atlassian made fit to store and to render, the same way whichever store holds it.

Jira keeps what people paste: a NUL (PostgreSQL's text and JSON types refuse it), other C0 control characters
(XML, and so a Confluence page, cannot hold them), a lone UTF-16 surrogate that Java wrote out as ``\\ud800``
(no UTF-8 encoder takes it). Every JSON answer passes here: NUL and those controls are dropped, a lone
surrogate becomes U+FFFD. The check is on the raw bytes first, so the ordinary answer costs one regex scan.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# The JSON escapes of what cannot be stored: \u0000-\u001f (tab, newline and return are let through below) and
# the surrogates \ud800-\udfff (a pair is joined by the parser; only a lone one is left as such).
_ESCAPED = re.compile(rb"\\u(?:00[01][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2})")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def needs_cleaning(raw: bytes) -> bool:
    return _ESCAPED.search(raw) is not None


def clean_text(text: str) -> str:
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def storable(value: Any) -> Any:
    """``value`` (parsed JSON) with every string, keys included, passed through :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(key) if isinstance(key, str) else key: storable(item) for key, item in value.items()}
    return value


def parse_answer(raw: bytes) -> Any:
    """The JSON of an answer's body, cleaned when it needs to be. orjson reads an ordinary answer (a 10,000-issue
    sync decodes 235 MB: about a third of the time the standard parser takes); the standard parser reads what
    orjson refuses but JSON allows (a lone surrogate's escape, an integer past 64 bits). ``ValueError`` when the
    body is not JSON."""
    if needs_cleaning(raw):
        return storable(json.loads(raw))
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return storable(json.loads(raw))


# What Jira puts on every user, status, priority, type and project and no part of pmokit reads: links back to the
# REST resource and pictures. Dropped before an issue is stored, they are half of a typical issue's JSON.
DECORATION = frozenset({"self", "avatarUrls", "iconUrl"})


def undecorated(value: Any) -> Any:
    """``value`` (an issue's fields as Jira sent them) without :data:`DECORATION`, at any depth."""
    if isinstance(value, dict):
        return {key: undecorated(item) for key, item in value.items() if key not in DECORATION}
    if isinstance(value, list):
        return [undecorated(item) for item in value]
    return value

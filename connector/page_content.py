"""Is the page Confluence holds the body pmokit would write? Compared as content, not as bytes.

Confluence does not store the storage format it is sent: it parses it and writes its own serialisation (macro
ids and schema versions added, empty elements self-closed, entities written its way). So a page pmokit wrote
never reads back byte for byte. Two ways tell that it is still pmokit's body:

- the version message pmokit writes with each update carries a digest of the body it sent
  (:func:`version_message`); a page whose current version has that message holds that body;
- failing that (a page at version 1, or a message someone else wrote), both bodies are parsed and compared as
  XML trees, leaving out the attributes Confluence adds on its own (:func:`same_storage`).
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from html.entities import name2codepoint
from typing import Any

# Attributes Confluence writes into a stored body by itself (ids it generates, layout defaults, the version of
# an attachment when the page was saved): not part of what pmokit asked for.
ADDED_BY_CONFLUENCE = frozenset({"ac:macro-id", "ac:schema-version", "ac:local-id", "local-id", "data-layout",
                                 "data-table-width", "ri:version-at-save"})
_ENTITIES = "".join(f'<!ENTITY {name} "&#{code};">' for name, code in sorted(name2codepoint.items())
                    if name not in ("amp", "lt", "gt", "quot", "apos"))
_NAMESPACES = 'xmlns:ac="urn:ac" xmlns:ri="urn:ri" xmlns:at="urn:at"'
_SPACES = re.compile(r"\s+")
_MESSAGE_DIGEST = re.compile(r"\bcontent ([0-9a-f]{12})\b")


def version_message(page_key: str, body_digest: str) -> str:
    """What the page history shows beside pmokit's version: which page of which report, and of which body."""
    return f"pmokit: {page_key} · content {body_digest[:12]}"


def written_by_pmokit(content: dict[str, Any], body_digest: str) -> bool:
    """The current version is the update pmokit made with this very body (its message says so)."""
    message = str(((content.get("version") or {}).get("message")) or "")
    found = _MESSAGE_DIGEST.search(message)
    return message.startswith("pmokit: ") and found is not None and found.group(1) == body_digest[:12]


def same_storage(stored: str, sent: str) -> bool:
    """``stored`` (as Confluence answers it) holds the same content as ``sent`` (as pmokit writes it)."""
    if stored == sent:
        return True
    try:
        return _canonical(stored) == _canonical(sent)
    except expat.ExpatError:
        return False


def _canonical(body: str) -> list[tuple[Any, ...]]:
    events: list[tuple[Any, ...]] = []
    text: list[str] = []

    in_code = [False]

    def flush() -> None:
        # Runs of white space are one space, and white space alone between elements is none: Confluence may lay a
        # body out its own way. Code (a CDATA section) is compared as it is.
        joined = "".join(text)
        text.clear()
        if not in_code[0]:
            joined = _SPACES.sub(" ", joined)
            if joined == " ":
                joined = ""
        if joined:
            events.append(("text", joined))

    def code(starts: bool) -> None:
        flush()
        in_code[0] = starts

    def start(name: str, attributes: dict[str, str]) -> None:
        flush()
        events.append(("start", name, tuple(sorted((k, v) for k, v in attributes.items()
                                                   if k not in ADDED_BY_CONFLUENCE and not k.startswith("xmlns")))))

    def end(name: str) -> None:
        flush()
        events.append(("end", name))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    parser.StartCdataSectionHandler = lambda: code(True)
    parser.EndCdataSectionHandler = lambda: code(False)
    parser.Parse(f"<!DOCTYPE root [{_ENTITIES}]><root {_NAMESPACES}>{body}</root>", True)
    return events

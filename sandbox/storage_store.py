"""What Confluence stores of a storage-format body: not the bytes it was sent, but its own serialisation of them.

Confluence parses a body (see :mod:`sandbox.storage_check`) and writes back what it parsed, so a client reading
a page it wrote gets a different string. What it changes, and where that is known from:

- A structured macro without an id gets one: "When a macro is created in a new version of content, Confluence
  will generate a random ID for it, unless an ID is specified (by an app) ... The ID is then persisted as new
  versions of content are created" (Atlassian, Confluence Cloud REST API, "Content - macro body"). Stored
  macros carry ``ac:schema-version="1"`` beside it (real pages: tests/fixtures/confluence-pages, querypie-docs;
  the storage format shown by Confluence's "View Storage Format" in Atlas-Authority/MarkdownMacro#83).
- Empty elements are written self-closed with a space, ``<hr />``, ``<p />``, ``<ri:attachment ... />``;
  attributes in double quotes; in text ``&amp; &lt; &gt; &quot;``, a no-break space as ``&nbsp;`` and curly
  double quotes as ``&ldquo;``/``&rdquo;``; other characters as themselves, whatever entity they were sent as
  (the same recorded pages: 304 ``&quot;``, ``&nbsp;``, ``&ldquo;`` in text, Korean text unescaped).
- CDATA sections (a code macro's plain-text body) are kept as CDATA.

A body is stored this way only after :func:`sandbox.storage_check.check` accepted it.
"""

from __future__ import annotations

import uuid
import xml.parsers.expat as expat

from .storage_check import document

_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\u00a0": "&nbsp;", "\u201c": "&ldquo;",
         "\u201d": "&rdquo;"}
_ATTRIBUTE = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\u00a0": "&#160;", "\n": "&#10;",
              "\t": "&#9;", "\r": "&#13;"}
_TEXT_TABLE = str.maketrans(_TEXT)
_ATTRIBUTE_TABLE = str.maketrans(_ATTRIBUTE)
MACRO = "ac:structured-macro"


def as_stored(body: str) -> str:
    """``body`` as Confluence stores it (and answers it from then on). ``body`` must be one Confluence accepts."""
    writer = _Writer()
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartElementHandler = writer.start
    parser.EndElementHandler = writer.end
    parser.CharacterDataHandler = writer.text
    parser.StartCdataSectionHandler = writer.cdata_start
    parser.EndCdataSectionHandler = writer.cdata_end
    parser.Parse(document(body), True)
    stored = "".join(writer.out)
    return stored[1:] if stored.startswith("\n") else stored  # the line break after the wrapper's own root


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.depth = 0
        self.open_tag = False  # a start tag is written without its ">" yet: it may become "<x />"
        self.in_cdata = False

    def _close_start(self) -> None:
        if self.open_tag:
            self.out.append(">")
            self.open_tag = False

    def start(self, name: str, attributes: list[str]) -> None:
        self.depth += 1
        if self.depth == 1:  # the root Confluence wraps every body in
            return
        self._close_start()
        pairs = list(zip(attributes[::2], attributes[1::2], strict=True))
        if name == MACRO:
            pairs = _with_macro_id(pairs)
        written = "".join(f' {k}="{v.translate(_ATTRIBUTE_TABLE)}"' for k, v in pairs)
        self.out.append(f"<{name}{written}")
        self.open_tag = True

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.depth == 0:
            return
        if self.open_tag:
            self.out.append(" />")
            self.open_tag = False
        else:
            self.out.append(f"</{name}>")

    def text(self, data: str) -> None:
        if self.depth < 1:
            return
        self._close_start()
        self.out.append(data if self.in_cdata else data.translate(_TEXT_TABLE))

    def cdata_start(self) -> None:
        self._close_start()
        self.in_cdata = True
        self.out.append("<![CDATA[")

    def cdata_end(self) -> None:
        self.in_cdata = False
        self.out.append("]]>")


def _with_macro_id(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    names = {k for k, _ in pairs}
    out = list(pairs)
    if "ac:schema-version" not in names:
        at = next((i + 1 for i, (k, _) in enumerate(out) if k == "ac:name"), len(out))
        out.insert(at, ("ac:schema-version", "1"))
    if "ac:macro-id" not in names:
        out.append(("ac:macro-id", str(uuid.uuid4())))
    return out

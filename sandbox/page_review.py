"""What a reader of a stored page would find wrong, apart from what Confluence refuses (``storage_check``).

Confluence stores a body that is well-formed; it does not care whether the body says what its author meant.
Escaped markup is well-formed text: ``&lt;ac:structured-macro …&gt;`` is stored, and every reader then sees the
macro's source where its lozenge should be (the storage format's own reference: macros are elements of the
``ac:`` namespace, their parameters ``ac:parameter`` elements; as text they are only text). This review reads
a body as Confluence's editor and viewer would show it and names what a person would notice:

- markup shown as text: the text of any element holds a tag of the storage format or of XHTML (``<ac:…``,
  ``</p>``, ``<td>``…), or an entity escaped a second time (``&amp;lt;``, ``&amp;nbsp;``);
- a table column with an empty header (a ``th`` with no text and no macro), which a reader cannot name;
- a heading that comes twice with the same text, and the same list of links twice (a section shown twice);
- characters no reader can see: C0 and C1 control characters (Confluence's editor drops them; a page with them is not
  what was meant) and the replacement character U+FFFD (text already damaged on its way in).

It imports nothing of pmokit; ``storage_check.document`` wraps a body as Confluence does before it parses it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from .storage_check import PREFIXES, XHTML, document

AC = f"{{{PREFIXES['ac']}}}"
RI = f"{{{PREFIXES['ri']}}}"
X = f"{{{XHTML}}}"
# A tag of the storage format or of the XHTML it is made of, as it reads once escaped.
_TAG = re.compile(r"</?\s*(?:ac|ri|at):[A-Za-z-]+|</?(?:p|td|th|tr|table|tbody|ul|ol|li|h[1-6]|strong|em|span|div|a)"
                  r"(?:\s[^<>]*)?/?>", re.IGNORECASE)
_DOUBLE_ESCAPED = re.compile(r"&(?:amp;)?(?:lt|gt|quot|amp|nbsp|#\d+|#x[0-9a-fA-F]+);")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def reader_problems(body: str) -> list[str]:
    """What a reader would find wrong with this stored body, in words; empty when nothing."""
    try:
        root = ET.fromstring(document(body))
    except ET.ParseError as exc:
        return [f"not storage format: {exc}"]
    problems: list[str] = []
    for element in root.iter():
        for text in (element.text, element.tail):
            if not text:
                continue
            shown = _TAG.search(text)
            if shown:
                problems.append(f"markup shown as text: {_around(text, shown.start())!r}")
            escaped = _DOUBLE_ESCAPED.search(text)
            if escaped:
                problems.append(f"an entity escaped twice, shown as text: {_around(text, escaped.start())!r}")
            hidden = _INVISIBLE.search(text)
            if hidden:
                problems.append(f"a character no reader sees (U+{ord(hidden.group()):04X}) in "
                                f"{_around(text, hidden.start())!r}")
    for header in root.iter(f"{X}th"):
        if not "".join(header.itertext()).strip() and not list(header.iter(f"{AC}structured-macro")):
            problems.append("a table column with an empty header")
    headings = Counter(" ".join("".join(h.itertext()).split()) for level in range(1, 7)
                       for h in root.iter(f"{X}h{level}"))
    problems += [f"the heading {text!r} comes {n} times" for text, n in headings.items() if n > 1 and text]
    lists = Counter(tuple(_link_targets(ul)) for ul in root.iter(f"{X}ul") if _link_targets(ul))
    problems += [f"the same list of {len(targets)} links comes {n} times" for targets, n in lists.items() if n > 1]
    return problems


def visible_text(body: str) -> str:
    """The text a reader sees, macro parameters left out except a status lozenge's title."""
    root = ET.fromstring(document(body))
    return " ".join(_visible(root).split())


def _visible(element: ET.Element) -> str:
    if element.tag == f"{AC}parameter":
        return (element.text or "") if element.get(f"{AC}name") == "title" else ""
    if element.tag == f"{AC}plain-text-body":
        return element.text or ""
    inner = (element.text or "") + "".join(_visible(child) + " " + (child.tail or "") for child in element)
    return inner


def _link_targets(ul: ET.Element) -> list[str]:
    """The pages a list's items link to (``ri:page`` titles), when every item is such a link."""
    items = [li for li in ul if li.tag == f"{X}li"]
    targets = [page.get(f"{RI}content-title", "") for li in items for page in li.iter(f"{RI}page")]
    return targets if items and len(targets) == len(items) else []


def _around(text: str, at: int, width: int = 40) -> str:
    return text[max(0, at - 10):at + width]

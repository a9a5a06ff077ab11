"""Confluence storage format, checked the way Confluence checks a body it is asked to store.

Confluence parses a storage body as XML (it wraps it in an ``<xml>`` element of its own that declares the
``ac:`` and ``ri:`` prefixes) and refuses the whole write with a 400 on the first error. What it refuses, and
what it says, comes from what Atlassian documents and what others recorded of real Confluence:

- Well-formed XML only: an unclosed or mismatched tag is ``Unexpected close tag </xml>; expected </p>.``
  (terraform-provider-confluence#7, Cloud; kovetskiy/mark#54, Server, for ``</br>``); an attribute without a
  value (``<div markdown>``) is ``Unexpected character '>' (code 62) expected '='`` (iamjackg/md2cf#92); ``]]>``
  in text is refused (docToolchain/docToolchain#44); an unclosed element at the end is ``Unexpected EOF``
  (dauxio/daux.io#372); characters XML forbids are refused (line/conflr#34).
- Namespace prefixes: ``ac:`` and ``ri:`` need no declaration (Atlassian, "Confluence Storage Format"), nor does
  ``at:`` (the same page's template variables); any other undeclared prefix is ``Undeclared namespace prefix
  "h"`` (PacoVK/antora-confluence#66).
- Entities: the five XML ones and the named character entities of XHTML 1.0 (``&nbsp;``, ``&mdash;``,
  ``&ldquo;``…) are accepted: Atlassian's storage-format page writes ``&mdash;`` and ``&ndash;`` itself, and
  bodies Confluence stores carry ``&nbsp;`` and ``&ldquo;`` (tests/fixtures/confluence-pages). Any other name is
  an undeclared entity, in Woodstox's words (the parser behind those messages) ``Undeclared general entity``.

The check is one expat parse of the body behind a small internal DTD; a second parse only when there is an
error to describe. Positions are rows and columns of the body as sent.
"""

from __future__ import annotations

import contextlib
import re
import xml.parsers.expat as expat
from dataclasses import dataclass
from html.entities import name2codepoint

# The namespaces Confluence declares around every body (its own URIs are not published; these are its names).
PREFIXES = {"ac": "http://atlassian.com/content", "ri": "http://atlassian.com/resource/identifier",
            "at": "http://atlassian.com/template"}
XHTML = "http://www.w3.org/1999/xhtml"
# XHTML 1.0's named character entities (its lat1, symbol and special sets: the same 252 names as HTML 4.01).
ENTITIES = dict(sorted(name2codepoint.items()))
XML_ENTITIES = ("amp", "lt", "gt", "quot", "apos")  # predefined: never declared again
_DTD = "".join(f'<!ENTITY {name} "&#{code};">' for name, code in ENTITIES.items() if name not in XML_ENTITIES)
_ROOT = "xml"
_OPEN = (f"<!DOCTYPE {_ROOT} [{_DTD}]><{_ROOT} xmlns=\"{XHTML}\" "
         + " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in PREFIXES.items()) + ">\n")
_CLOSE = f"</{_ROOT}>"
_QNAME = re.compile(r"(?<![\w.:-])([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*")
_DECLARED = re.compile(r"xmlns:([A-Za-z_][\w.-]*)\s*=")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class StorageProblem:
    """Why Confluence would refuse a body, and where (row and column of the body, from 1)."""

    reason: str
    row: int
    column: int

    @property
    def message(self) -> str:
        """Confluence's message, as its 400 carries it."""
        return f"Error parsing xhtml: {self.reason}\n at [row,col {{unknown-source}}]: [{self.row},{self.column}]"


class StorageError(ValueError):
    def __init__(self, problem: StorageProblem):
        super().__init__(problem.message)
        self.problem = problem


def document(body: str) -> str:
    """``body`` as the XML document Confluence parses: inside its root element, behind the entity declarations."""
    return _OPEN + body + _CLOSE


def check(body: str, cloud: bool = True) -> StorageProblem | None:
    """None when Confluence would store ``body``; else why not. An element left open at the end of the body is
    reported as Cloud does (at its ``</xml>``) or as Server and Data Center do (an unexpected end of input)."""
    illegal = _ILLEGAL.search(body)
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        if illegal is not None:  # expat would stop at it too; this way the message names it, as Confluence does
            raise _illegal(body, illegal.start())
        parser.Parse(document(body), True)
    except expat.ExpatError as exc:
        return _describe(body, exc, cloud)
    except StorageError as exc:
        return exc.problem
    return None


def _position(body: str, index: int) -> tuple[int, int]:
    row = body.count("\n", 0, index) + 1
    return row, index - (body.rfind("\n", 0, index) + 1) + 1


def _illegal(body: str, index: int) -> StorageError:
    row, column = _position(body, index)
    code = ord(body[index])
    what = f"(CTRL-CHAR, code {code})" if code < 0x20 else f"code 0x{code:x}"
    return StorageError(StorageProblem(f"Illegal character ({what})", row, column))


def _describe(body: str, exc: expat.ExpatError, cloud: bool) -> StorageProblem:
    # The body starts on the document's second line; past its end comes the closing root tag.
    row, column = exc.lineno - 1, exc.offset + 1
    text = body + _CLOSE
    lines = text.split("\n")
    line = lines[row - 1] if 0 < row <= len(lines) else ""
    at = line[column - 1:]
    code = exc.code
    errors = expat.errors
    if code == _code(errors.XML_ERROR_TAG_MISMATCH):
        column = line.rfind("</", 0, column) + 1 or column  # expat points into the tag; Confluence at its start
        found = re.match(r"</\s*([^\s>]+)", line[column - 1:])
        expected = _open_elements(body, row, column)
        closing = found.group(1) if found else "?"
        if closing == _ROOT and not cloud and expected and line[column - 1:] == _CLOSE:
            # Server and Data Center read to the end: "Unexpected EOF; was expecting a close tag for element
            # <ac:parameter>" (dauxio/daux.io#372); Cloud meets its own root's end tag (terraform-provider-
            # confluence#7: "Unexpected close tag </xml>; expected </p>.").
            reason = f"Unexpected EOF; was expecting a close tag for element <{expected[-1]}>"
        else:
            reason = f"Unexpected close tag </{closing}>; expected </{expected[-1] if expected else _ROOT}>."
    elif code == _code(errors.XML_ERROR_UNDEFINED_ENTITY):
        name = _undeclared_entity(at)
        reason = f'Undeclared general entity "{name}"'
    elif code == _code(errors.XML_ERROR_UNBOUND_PREFIX):
        reason = f'Undeclared namespace prefix "{_unbound_prefix(body, at)}"'
    elif code in (_code(errors.XML_ERROR_UNCLOSED_TOKEN), _code(errors.XML_ERROR_NO_ELEMENTS),
                  _code(errors.XML_ERROR_UNCLOSED_CDATA_SECTION), _code(errors.XML_ERROR_PARTIAL_CHAR)):
        expected = _open_elements(body, row, column)
        if code == _code(errors.XML_ERROR_UNCLOSED_CDATA_SECTION):
            reason = "Unexpected EOF in CDATA section"
        elif at.startswith("<!--"):
            reason = "Unexpected EOF in comment"
        elif expected:
            reason = f"Unexpected EOF; was expecting a close tag for element <{expected[-1]}>"
        else:
            reason = "Unexpected EOF"
    elif code == _code(errors.XML_ERROR_MISPLACED_XML_PI):
        reason = "Illegal processing instruction target (\"xml\"); 'xml' (case insensitive) is reserved by the specs."
    elif code == _code(errors.XML_ERROR_DUPLICATE_ATTRIBUTE):
        attribute = re.match(r"[\w:.-]+", at)
        reason = f"Duplicate attribute '{attribute.group(0) if attribute else '?'}'."
    elif code == _code(errors.XML_ERROR_BAD_CHAR_REF):
        reference = re.match(r"&#[^;]*;?", at)
        reason = f"Invalid character reference {reference.group(0) if reference else ''}"
    elif at.startswith("]]>") or line[:column].endswith("]]>"):
        reason = "String ']]>' not allowed in textual content, except as the end marker of CDATA section"
    elif at:
        reason = _unexpected_character(line, column)
    else:
        reason = expat.ErrorString(code).capitalize()
    return StorageProblem(reason.rstrip(), max(row, 1), max(column, 1))


def _code(message: str) -> int:
    return expat.errors.codes[message]


def _unexpected_character(line: str, column: int) -> str:
    char = line[column - 1]
    before = line[:column - 1]
    shown = {" ": "' '", "\t": "'\\t'"}.get(char, f"'{char}'")
    inside_tag = before.rfind("<") > before.rfind(">")
    if inside_tag and re.search(r"\s[\w:.-]+\s*$", before) and char in "/>":
        return f"Unexpected character {shown} (code {ord(char)}) expected '='"
    if inside_tag and char == "<":
        return "Unexpected '<'  in attribute value"
    reference = re.search(r"&([A-Za-z_][\w.-]*)$", before)
    if reference:
        return (f"Unexpected character {shown} (code {ord(char)}); expected a semi-colon after the reference for "
                f"entity '{reference.group(1)}'")
    return f"Unexpected character {shown} (code {ord(char)})"


def _undeclared_entity(at: str) -> str:
    """The undeclared entity at the error: expat points at the reference, or at the tag whose attribute has it."""
    if not at.startswith("<"):
        match = re.match(r"&([^;\s]*)", at)
        return match.group(1) if match else at[:1]
    end = at.find(">")
    for name in re.findall(r"&([A-Za-z_][\w.-]*);", at[:end if end >= 0 else len(at)]):
        if name not in ENTITIES and name not in XML_ENTITIES:
            return name
    return "?"


def _unbound_prefix(body: str, tag: str) -> str:
    declared = set(PREFIXES) | {"xml", "xmlns"} | set(_DECLARED.findall(body))
    end = tag.find(">")
    for match in _QNAME.finditer(tag[:end if end >= 0 else len(tag)]):
        if match.group(1) not in declared:
            return match.group(1)
    return "?"


def _open_elements(body: str, row: int, column: int) -> list[str]:
    """The elements open (by their names as written) at a position of the body: a second, plain parse."""
    stack: list[str] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: stack.append(name)
    parser.EndElementHandler = lambda name: stack.pop()
    text = document(body)
    lines = text.split("\n")
    # Up to the error: everything before its line, and its line up to the column.
    upto = "\n".join(lines[:row]) + "\n" + lines[row][:column - 1] if row < len(lines) else text
    with contextlib.suppress(expat.ExpatError):  # the error itself is past the end of what is parsed
        parser.Parse(upto, False)
    return [name for name in stack if name != _ROOT] or []

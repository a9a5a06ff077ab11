"""Atlassian Document Format, checked the way Jira Cloud checks a v3 body before it stores it.

What is refused comes from Atlassian's ADF documentation and JSON schema and from what others recorded of
real Jira Cloud answers:

- The root is ``{"type": "doc", "version": 1, "content": [...]}``: all three are required and ``version``
  is the number 1 (developer.atlassian.com/cloud/jira/platform/apis/document/nodes/doc; the schema's
  ``doc_node``, http://go.atlassian.com/adf-json-schema).
- Every node has a known ``type``, and sits where the schema allows it: top-level block nodes under ``doc``,
  inline nodes (text, hardBreak, mention, emoji, date, status, inlineCard…) only inside paragraphs, headings
  and the like, ``listItem`` only in lists, table rows only in tables, and so on; containers that need
  content (lists, list items, blockquotes, panels, tables, rows, cells, expands) have at least one child.
- Text nodes have non-empty ``text`` (nodes/text: "must not be empty"; prowler-cloud/prowler#11474 and
  jenkinsci/JiraTestResultReporter-plugin#287 record the 400); code blocks hold unmarked text only; the
  ``code`` mark goes with ``link`` only; marks are known and carry their required attributes.
- Attributes the schema requires: heading ``level`` 1–6, panel ``panelType``, mention ``id``, emoji
  ``shortName``, status ``text`` and ``color``, date ``timestamp``, task and decision ``localId``
  (RHEcosystemAppEng/sdlc-plugins#206: a taskList without localId is a 400), media ``type``/``id``.

Jira answers a document it refuses with ``{"errorMessages": ["INVALID_INPUT"], "errors": {}}``
(whyisdifficult/jiratui#246, nguyenvanduocit/jira-mcp#42); :func:`problem` says which rule failed, for
the sandbox's ``X-Sandbox-Adf-Problem`` header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

INLINE = frozenset({"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard", "placeholder",
                    "mediaInline", "inlineExtension"})
TOP_LEVEL = frozenset({"paragraph", "heading", "bulletList", "orderedList", "blockquote", "codeBlock", "rule",
                       "panel", "table", "expand", "mediaSingle", "mediaGroup", "taskList", "decisionList",
                       "blockCard", "embedCard", "layoutSection", "extension", "bodiedExtension"})
_LIST_ITEM = frozenset({"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle", "taskList",
                        "extension"})
_QUOTE = frozenset({"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle", "mediaGroup",
                    "extension"})
_PANEL = frozenset({"paragraph", "heading", "bulletList", "orderedList", "blockCard", "mediaGroup", "mediaSingle",
                    "codeBlock", "taskList", "rule", "decisionList", "extension"})
_CELL = frozenset({"paragraph", "panel", "blockquote", "orderedList", "bulletList", "rule", "heading", "codeBlock",
                   "mediaGroup", "mediaSingle", "decisionList", "taskList", "blockCard", "embedCard", "extension",
                   "nestedExpand"})
_NESTED_EXPAND = frozenset({"paragraph", "heading", "mediaSingle", "mediaGroup", "codeBlock", "bulletList",
                            "orderedList", "taskList", "decisionList", "rule", "panel", "blockquote", "extension"})
_NON_NESTABLE = TOP_LEVEL - {"expand", "layoutSection", "bodiedExtension"}


@dataclass(frozen=True)
class Rule:
    """Where a node may have children, which, and how many at least; ``None``: a leaf (no ``content``)."""

    children: frozenset[str] | None = None
    at_least: int = 0
    marks: frozenset[str] = field(default_factory=frozenset)


NODES: dict[str, Rule] = {
    "doc": Rule(TOP_LEVEL),
    "paragraph": Rule(INLINE, marks=frozenset({"alignment", "indentation"})),
    "heading": Rule(INLINE, marks=frozenset({"alignment", "indentation"})),
    "bulletList": Rule(frozenset({"listItem"}), 1),
    "orderedList": Rule(frozenset({"listItem"}), 1),
    "listItem": Rule(_LIST_ITEM, 1),
    "blockquote": Rule(_QUOTE, 1),
    "codeBlock": Rule(frozenset({"text"}), marks=frozenset({"breakout"})),
    "rule": Rule(),
    "panel": Rule(_PANEL, 1),
    "table": Rule(frozenset({"tableRow"}), 1),
    "tableRow": Rule(frozenset({"tableCell", "tableHeader"}), 1),
    "tableCell": Rule(_CELL, 1),
    "tableHeader": Rule(_CELL, 1),
    "expand": Rule(_NON_NESTABLE | {"nestedExpand"}, 1, marks=frozenset({"breakout"})),
    "nestedExpand": Rule(_NESTED_EXPAND, 1),
    "mediaSingle": Rule(frozenset({"media", "caption"}), 1, marks=frozenset({"link"})),
    "mediaGroup": Rule(frozenset({"media"}), 1),
    "caption": Rule(INLINE),
    "taskList": Rule(frozenset({"taskItem", "taskList"}), 1),
    "taskItem": Rule(INLINE),
    "decisionList": Rule(frozenset({"decisionItem"}), 1),
    "decisionItem": Rule(INLINE),
    "layoutSection": Rule(frozenset({"layoutColumn"}), 1, marks=frozenset({"breakout"})),
    "layoutColumn": Rule(TOP_LEVEL - {"layoutSection"}, 1),
    "bodiedExtension": Rule(_NON_NESTABLE, 1),
    "extension": Rule(), "inlineExtension": Rule(), "blockCard": Rule(), "embedCard": Rule(),
    "media": Rule(marks=frozenset({"link", "annotation", "border"})),
    "text": Rule(), "hardBreak": Rule(), "mention": Rule(), "emoji": Rule(), "date": Rule(), "status": Rule(),
    "inlineCard": Rule(), "placeholder": Rule(), "mediaInline": Rule(marks=frozenset({"link", "annotation",
                                                                                      "border"})),
}
TEXT_MARKS = frozenset({"code", "em", "link", "strike", "strong", "subsup", "textColor", "underline",
                        "backgroundColor", "annotation"})
STATUS_COLOURS = frozenset({"neutral", "purple", "blue", "red", "yellow", "green"})
PANEL_TYPES = frozenset({"info", "note", "tip", "warning", "error", "success", "custom"})
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_DEPTH = 64


class AdfError(ValueError):
    """A document Jira would refuse; the message says where and why (``content[0].content[1]: ...``)."""


def problem(document: Any) -> str | None:
    """None when Jira Cloud would take ``document`` as an ADF body; else the first reason it would not."""
    try:
        check(document)
    except AdfError as exc:
        return str(exc)
    return None


def check(document: Any) -> None:
    if not isinstance(document, dict):
        raise AdfError("the document is not a JSON object")
    if document.get("type") != "doc":
        raise AdfError('the root node must be of type "doc"')
    version = document.get("version")
    if type(version) is not int or version != 1:
        raise AdfError("the document must say version 1")
    if not isinstance(document.get("content"), list):
        raise AdfError('the document needs a "content" array')
    _node(document, "doc", 0)


def _fail(path: str, why: str) -> AdfError:
    return AdfError(f"{path}: {why}" if path != "doc" else why)


def _node(node: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _fail(path, "the document nests too deeply")
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        raise _fail(path, "a node must be an object with a string type")
    kind = node["type"]
    rule = NODES.get(kind)
    if rule is None:
        raise _fail(path, f"unknown node type {kind!r}")
    attrs = node.get("attrs")
    attrs = {} if attrs is None else attrs
    if not isinstance(attrs, dict):
        raise _fail(path, "attrs must be an object")
    _attributes(kind, attrs, node, path)
    _marks(kind, node, rule, path)
    content = node.get("content")
    if rule.children is None:
        if content is not None:
            raise _fail(path, f"a {kind} node has no content")
        return
    if content is None:
        content = []
    if not isinstance(content, list):
        raise _fail(path, "content must be an array")
    if len(content) < rule.at_least:
        raise _fail(path, f"a {kind} node needs at least {rule.at_least} child node")
    for index, child in enumerate(content):
        where = f"{'' if path == 'doc' else path + '.'}content[{index}]"
        child_kind = child.get("type") if isinstance(child, dict) else None
        if isinstance(child_kind, str) and child_kind in NODES and child_kind not in rule.children:
            what = "an inline" if child_kind in INLINE else "a block" if kind in ("paragraph", "heading") else "a"
            raise _fail(where, f"{what} {child_kind} node cannot be inside a {kind} node")
        if kind == "codeBlock" and isinstance(child, dict) and child.get("marks"):
            raise _fail(where, "text in a codeBlock cannot have marks")
        _node(child, where, depth + 1)
    if kind == "mediaSingle" and sum(1 for c in content if c.get("type") == "media") != 1:
        raise _fail(path, "a mediaSingle node holds exactly one media node")


def _need(attrs: dict[str, Any], name: str, path: str, kind: str,
          test: Callable[[Any], bool] = lambda v: isinstance(v, str)) -> None:
    if not test(attrs.get(name)):
        raise _fail(path, f"a {kind} node needs a valid attrs.{name}")


def _attributes(kind: str, attrs: dict[str, Any], node: dict[str, Any], path: str) -> None:
    if kind == "text":
        text = node.get("text")
        if not isinstance(text, str) or not text:
            raise _fail(path, "a text node must have non-empty text")
    elif kind == "heading":
        _need(attrs, "level", path, kind, lambda v: type(v) is int and 1 <= v <= 6)
    elif kind == "panel":
        _need(attrs, "panelType", path, kind, lambda v: v in PANEL_TYPES)
    elif kind == "mention":
        _need(attrs, "id", path, kind)
    elif kind == "emoji":
        _need(attrs, "shortName", path, kind)
    elif kind == "date":
        _need(attrs, "timestamp", path, kind, lambda v: isinstance(v, str) and bool(v))
    elif kind == "status":
        _need(attrs, "text", path, kind, lambda v: isinstance(v, str) and bool(v))
        _need(attrs, "color", path, kind, lambda v: v in STATUS_COLOURS)
    elif kind in ("taskList", "decisionList"):
        _need(attrs, "localId", path, kind)
    elif kind in ("taskItem", "decisionItem"):
        _need(attrs, "localId", path, kind)
        _need(attrs, "state", path, kind)
    elif kind == "media":
        _need(attrs, "type", path, kind, lambda v: v in ("file", "link", "external"))
        if attrs["type"] == "external":
            _need(attrs, "url", path, kind)
        else:
            _need(attrs, "id", path, kind, lambda v: isinstance(v, str) and bool(v))
            _need(attrs, "collection", path, kind)
    elif kind in ("inlineCard", "blockCard") and not isinstance(attrs.get("url"), str) and "data" not in attrs:
        raise _fail(path, f"a {kind} node needs attrs.url or attrs.data")
    elif kind == "embedCard":
        _need(attrs, "url", path, kind)
    elif kind in ("extension", "inlineExtension", "bodiedExtension"):
        _need(attrs, "extensionKey", path, kind, lambda v: isinstance(v, str) and bool(v))
        _need(attrs, "extensionType", path, kind, lambda v: isinstance(v, str) and bool(v))
    elif kind == "orderedList" and "order" in attrs:
        _need(attrs, "order", path, kind, lambda v: type(v) is int and v >= 0)


def _marks(kind: str, node: dict[str, Any], rule: Rule, path: str) -> None:
    marks = node.get("marks")
    if marks is None:
        return
    if not isinstance(marks, list):
        raise _fail(path, "marks must be an array")
    allowed = TEXT_MARKS if kind == "text" else rule.marks
    seen: set[str] = set()
    for mark in marks:
        mark_type = mark.get("type") if isinstance(mark, dict) else None
        if not isinstance(mark_type, str) or mark_type not in allowed:
            raise _fail(path, f"a {kind} node cannot have a {mark_type!r} mark")
        if mark_type in seen:
            raise _fail(path, f"the {mark_type} mark appears twice")
        seen.add(mark_type)
        attrs = mark.get("attrs") or {}
        if not isinstance(attrs, dict):
            raise _fail(path, f"the {mark_type} mark's attrs must be an object")
        if mark_type == "link" and not isinstance(attrs.get("href"), str):
            raise _fail(path, "a link mark needs attrs.href")
        if mark_type == "subsup" and attrs.get("type") not in ("sub", "sup"):
            raise _fail(path, 'a subsup mark needs attrs.type "sub" or "sup"')
        if mark_type in ("textColor", "backgroundColor") and not _HEX.match(str(attrs.get("color", ""))):
            raise _fail(path, f"a {mark_type} mark needs attrs.color as #rrggbb")
        if mark_type == "alignment" and attrs.get("align") not in ("center", "end"):
            raise _fail(path, 'an alignment mark needs attrs.align "center" or "end"')
        if mark_type == "indentation" and not (type(attrs.get("level")) is int and 1 <= attrs["level"] <= 6):
            raise _fail(path, "an indentation mark needs attrs.level 1-6")
    if "code" in seen and seen - {"code", "link", "annotation"}:
        raise _fail(path, "the code mark goes with link only")

"""Rich text between the two forms Jira speaks: wiki markup (v2, Data Center, and what the sandbox stores) and
the Atlassian Document Format (Cloud v3).

The sandbox stores text in Jira's wiki markup, one block a line: ``hN. heading``, ``* item`` / ``- item``
(``** nested``), ``# numbered``, ``bq. quote``, ``----``, ``{code:lang}...{code}``, ``||head||`` and
``|cell|`` rows, ``[~accountid:ID]`` mentions; anything else is a paragraph. :func:`to_adf` draws that as ADF
for v3 answers (always a document :mod:`sandbox.adf_check` accepts); :func:`to_text` reads a v3 body back.
Marks (bold, links…) are not kept: text stays as written, so what a v3 client wrote is what it reads.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_HEADING = re.compile(r"^h([1-6])\. (.*\S.*)$")
_LIST = re.compile(r"^([*#]+|-) (.*\S.*)$")
_CODE_OPEN = re.compile(r"^\{code(?::([^}]*))?\}$")
_MENTION = re.compile(r"\[~accountid:([^\]\s]+)\]")
Node = dict[str, Any]


# -- wiki markup to ADF ----------------------------------------------------------------------------------------
def to_adf(text: str) -> Node:
    """A v3 document for stored text (an empty text is an empty document)."""
    blocks: list[Node] = []
    lists: list[tuple[str, Node]] = []  # the open lists, outermost first: (marker kind, list node)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        listed = _LIST.match(line)
        if listed and _nest(lists, blocks, listed.group(1), listed.group(2)):
            continue
        lists.clear()
        code = _CODE_OPEN.match(line.strip())
        if code:
            body: list[str] = []
            while index < len(lines) and lines[index].strip() != "{code}":
                body.append(lines[index])
                index += 1
            index += 1
            block: Node = {"type": "codeBlock", "content": [_text("\n".join(body))] if "".join(body) else []}
            if code.group(1):
                block["attrs"] = {"language": code.group(1)}
            blocks.append(block)
        elif heading := _HEADING.match(line):
            blocks.append({"type": "heading", "attrs": {"level": int(heading.group(1))},
                           "content": _inline(heading.group(2))})
        elif line.strip() == "----":
            blocks.append({"type": "rule"})
        elif line.startswith("bq. ") and line[4:].strip():
            blocks.append({"type": "blockquote", "content": [_paragraph(line[4:])]})
        elif line.startswith("|") and line.endswith("|") and len(line) > 1:
            _row(blocks, line)
        elif line.strip():
            blocks.append(_paragraph(line))
    return {"type": "doc", "version": 1, "content": blocks}


def _text(value: str) -> Node:
    return {"type": "text", "text": value}


def _inline(value: str) -> list[Node]:
    """Text with ``[~accountid:ID]`` mentions as mention nodes; never an empty text node."""
    nodes: list[Node] = []
    position = 0
    for match in _MENTION.finditer(value):
        if match.start() > position:
            nodes.append(_text(value[position:match.start()]))
        nodes.append({"type": "mention", "attrs": {"id": match.group(1)}})
        position = match.end()
    if position < len(value):
        nodes.append(_text(value[position:]))
    return nodes


def _paragraph(value: str) -> Node:
    return {"type": "paragraph", "content": _inline(value)}


def _nest(lists: list[tuple[str, Node]], blocks: list[Node], marker: str, value: str) -> bool:
    """Add a list item at the depth its marker says; False when the marker skips a level (then: a paragraph)."""
    depth = 1 if marker == "-" else len(marker)
    kind = "orderedList" if marker[-1] == "#" else "bulletList"
    if depth > len(lists) + 1:
        return False
    del lists[depth:]
    if len(lists) == depth and lists[-1][0] != kind:
        lists.pop()
    item: Node = {"type": "listItem", "content": [_paragraph(value)]}
    if len(lists) == depth:
        lists[-1][1]["content"].append(item)
        return True
    node: Node = {"type": kind, "content": [item]}
    if depth == 1:
        blocks.append(node)
    else:
        lists[-1][1]["content"][-1]["content"].append(node)
    lists.append((kind, node))
    return True


def _row(blocks: list[Node], line: str) -> None:
    header = line.startswith("||")
    cells = [c.strip() for c in re.split(r"\|\|?", line.strip("|"))]
    row = {"type": "tableRow", "content": [
        {"type": "tableHeader" if header else "tableCell",
         "content": [_paragraph(cell) if cell else {"type": "paragraph", "content": []}]} for cell in cells]}
    if blocks and blocks[-1]["type"] == "table":
        blocks[-1]["content"].append(row)
    else:
        blocks.append({"type": "table", "content": [row]})


# -- ADF to wiki markup ----------------------------------------------------------------------------------------
def to_text(document: Node) -> str:
    """Stored text for a v3 document (one :mod:`sandbox.adf_check` accepted)."""
    lines: list[str] = []
    for block in document.get("content") or []:
        _block(block, lines, "")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _inline_text(node: Node) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return f"[~accountid:{attrs.get('id', '')}]"
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "status":
        return str(attrs.get("text", ""))
    if kind == "date":
        try:
            return datetime.fromtimestamp(int(attrs.get("timestamp") or "") / 1000, UTC).date().isoformat()
        except (TypeError, ValueError):
            return str(attrs.get("timestamp", ""))
    if kind == "inlineCard":
        return str(attrs.get("url", ""))
    return "".join(_inline_text(child) for child in node.get("content") or [])


def _inlines(node: Node) -> str:
    return "".join(_inline_text(child) for child in node.get("content") or [])


def _block(node: Node, lines: list[str], marker: str) -> None:
    kind = node.get("type")
    content = node.get("content") or []
    attrs = node.get("attrs") or {}
    if kind == "paragraph":
        lines.extend(_inlines(node).split("\n"))
    elif kind == "heading":
        lines.append(f"h{attrs.get('level', 1)}. {_inlines(node).replace(chr(10), ' ')}")
    elif kind in ("bulletList", "orderedList"):
        deeper = marker + ("#" if kind == "orderedList" else "*")
        for item in content:
            for index, child in enumerate(item.get("content") or []):
                if index == 0 and child.get("type") == "paragraph":
                    first, *rest = _inlines(child).split("\n")
                    lines.append(f"{deeper} {first}")
                    lines.extend(rest)
                else:
                    _block(child, lines, deeper)
    elif kind == "codeBlock":
        language = attrs.get("language")
        lines.append(f"{{code:{language}}}" if language else "{code}")
        lines.extend(_inlines(node).split("\n"))
        lines.append("{code}")
    elif kind == "blockquote":
        for child in content:
            quoted: list[str] = []
            _block(child, quoted, marker)
            lines.extend(f"bq. {line}" for line in quoted)
    elif kind == "rule":
        lines.append("----")
    elif kind == "table":
        for row in content:
            cells = row.get("content") or []
            header = all(cell.get("type") == "tableHeader" for cell in cells)
            texts = []
            for cell in cells:
                cell_lines: list[str] = []
                for child in cell.get("content") or []:
                    _block(child, cell_lines, "")
                texts.append(" ".join(cell_lines))
            sep = "||" if header else "|"
            lines.append(sep + sep.join(texts) + sep)
    elif kind in ("blockCard", "embedCard"):
        lines.append(str(attrs.get("url", "")))
    elif kind in ("mediaSingle", "mediaGroup", "media", "extension"):
        return
    elif kind in ("taskItem", "decisionItem"):
        lines.append(_inlines(node))
    else:  # panel, expand, nestedExpand, layouts, task and decision lists, bodied extensions: their content
        for child in content:
            _block(child, lines, marker)

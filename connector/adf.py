"""Atlassian Document Format (Jira Cloud v3 bodies) to the wiki-style text pmokit reads everywhere.

Headings become ``hN. Heading`` lines, as in Jira wiki markup, so one reader handles Cloud v3 (ADF),
Cloud v2 and Data Center (wiki markup strings) alike.
"""

from __future__ import annotations

from typing import Any

_BLOCKS = {"paragraph", "heading", "blockquote", "codeBlock", "panel", "rule", "mediaSingle", "table"}


def to_text(body: Any) -> str:
    """Plain text of a description or comment body, whatever form Jira sent it in."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        lines: list[str] = []
        _render(body, lines, prefix="")
        return "\n".join(line.rstrip() for line in lines).strip("\n")
    return str(body)


def _inline(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if kind == "text":
        return node.get("text", "")
    if kind == "hardBreak":
        return "\n"
    if kind in ("mention", "emoji", "status", "date", "inlineCard"):
        attrs = node.get("attrs") or {}
        return str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or attrs.get("timestamp") or "")
    return "".join(_inline(child) for child in node.get("content") or [])


def _render(node: dict[str, Any], lines: list[str], prefix: str) -> None:
    kind = node.get("type")
    content = node.get("content") or []
    if kind == "heading":
        level = (node.get("attrs") or {}).get("level", 1)
        lines.append(f"h{level}. {''.join(_inline(c) for c in content)}")
    elif kind in ("paragraph", "codeBlock"):
        lines.extend(f"{prefix}{part}" for part in "".join(_inline(c) for c in content).split("\n"))
    elif kind in ("bulletList", "orderedList"):
        marker = "*" if kind == "bulletList" else "#"
        for item in content:
            item_lines: list[str] = []
            for child in item.get("content") or []:
                _render(child, item_lines, "")
            for index, line in enumerate(item_lines):
                lines.append(f"{prefix}{marker} {line}" if index == 0 else f"{prefix}  {line}")
    elif kind == "rule":
        lines.append("----")
    elif kind == "table":
        for row in content:
            cells = []
            for cell in row.get("content") or []:
                cell_lines: list[str] = []
                for child in cell.get("content") or []:
                    _render(child, cell_lines, "")
                cells.append(" ".join(cell_lines))
            lines.append("| " + " | ".join(cells) + " |")
    elif kind in ("text", "hardBreak", "mention", "emoji", "status", "date", "inlineCard"):
        lines.append(prefix + _inline(node))
    else:  # doc, blockquote, panel, expand, mediaSingle, …: render children
        for child in content:
            _render(child, lines, prefix)


def from_text(text: str) -> dict[str, Any]:
    """An ADF document from wiki-style text: ``hN.`` headings, ``*`` bullets and paragraphs."""
    blocks: list[dict[str, Any]] = []
    bullets: list[dict[str, Any]] = []

    def flush_bullets() -> None:
        if bullets:
            blocks.append({"type": "bulletList", "content": list(bullets)})
            bullets.clear()

    for raw in text.split("\n"):
        line = raw.rstrip()
        if line.startswith(("* ", "- ")):
            bullets.append({"type": "listItem", "content": [_paragraph(line[2:])]})
            continue
        flush_bullets()
        if len(line) > 3 and line[0] == "h" and line[1] in "123456" and line[2:4] == ". ":
            blocks.append({"type": "heading", "attrs": {"level": int(line[1])},
                           "content": [{"type": "text", "text": line[4:]}]})
        elif line:
            blocks.append(_paragraph(line))
    flush_bullets()
    return {"type": "doc", "version": 1, "content": blocks}


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}] if text else []}

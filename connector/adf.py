"""Atlassian Document Format (Jira Cloud v3 bodies) to the wiki-style text pmokit reads everywhere.

Headings become ``hN. Heading`` lines, as in Jira wiki markup, so one reader handles Cloud v3 (ADF),
Cloud v2 and Data Center (wiki markup strings) alike.
"""

from __future__ import annotations

from typing import Any

from pmokit.records import Block, RichText, Span

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
    elif kind == "paragraph":
        lines.extend(f"{prefix}{part}" for part in "".join(_inline(c) for c in content).split("\n"))
    elif kind == "codeBlock":  # as wiki markup writes it, so that what reads commands can tell an example
        lines.append(f"{prefix}{{code}}")
        lines.extend(f"{prefix}{part}" for part in "".join(_inline(c) for c in content).split("\n"))
        lines.append(f"{prefix}{{code}}")
    elif kind == "blockquote":
        lines.append(f"{prefix}{{quote}}")
        for child in content:
            _render(child, lines, prefix)
        lines.append(f"{prefix}{{quote}}")
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


# -- pmokit's own comment: rich text as ADF, and ADF read back in the same wiki form -------------------------
_ADF_COLOURS = {"green": "green", "yellow": "yellow", "red": "red", "blue": "blue", "grey": "neutral"}


def from_rich(doc: RichText) -> dict[str, Any]:
    """ADF of a rich comment: headings, paragraphs and bullets; bold, code and links as marks, lozenges as
    status nodes."""
    content: list[dict[str, Any]] = []
    for block in doc.blocks:
        if block.kind == "bullets":
            if block.items:
                content.append({"type": "bulletList", "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": _spans(item)}]}
                    for item in block.items]})
        elif block.kind == "heading":
            content.append({"type": "heading", "attrs": {"level": block.level}, "content": _spans(block.spans)})
        else:
            content.append({"type": "paragraph", "content": _spans(block.spans)})
    return {"type": "doc", "version": 1, "content": content}


def _spans(spans: tuple[Span, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for span in spans:
        if not span.text:
            continue  # ADF refuses empty text
        if span.colour is not None:
            out.append({"type": "status", "attrs": {"text": span.text.upper(),
                                                    "color": _ADF_COLOURS.get(span.colour, "neutral")}})
            continue
        marks: list[dict[str, Any]] = []
        if span.bold:
            marks.append({"type": "strong"})
        if span.code:
            marks.append({"type": "code"})
        if span.link:
            marks.append({"type": "link", "attrs": {"href": span.link}})
        out.append({"type": "text", "text": span.text, **({"marks": marks} if marks else {})})
    return out


def to_wiki(body: Any) -> str:
    """The wiki form of a comment body (a string as it is; ADF with its marks and lozenges written as
    :meth:`pmokit.records.RichText.wiki` writes them), to tell whether pmokit's comment says what it should."""
    if not isinstance(body, dict):
        return to_text(body)
    blocks: list[Block] = []
    for node in body.get("content") or []:
        kind = node.get("type")
        if kind == "heading":
            blocks.append(Block("heading", _read_spans(node), int((node.get("attrs") or {}).get("level", 1))))
        elif kind == "bulletList":
            items = tuple(_read_spans(child) for item in node.get("content") or []
                          for child in item.get("content") or [] if child.get("type") == "paragraph")
            blocks.append(Block("bullets", items=items))
        elif kind == "paragraph":
            blocks.append(Block("paragraph", _read_spans(node)))
        else:
            blocks.append(Block("paragraph", (Span(to_text(node)),)))
    return RichText(tuple(blocks)).wiki()


def _read_spans(node: dict[str, Any]) -> tuple[Span, ...]:
    spans = []
    for child in node.get("content") or []:
        if child.get("type") == "status":
            attrs = child.get("attrs") or {}
            colour = {v: k for k, v in _ADF_COLOURS.items()}.get(str(attrs.get("color", "")), "grey")
            spans.append(Span(str(attrs.get("text", "")), colour=colour))
        elif child.get("type") == "text":
            marks = {m.get("type"): m for m in child.get("marks") or []}
            link = (marks.get("link") or {}).get("attrs", {}).get("href")
            spans.append(Span(child.get("text", ""), bold="strong" in marks, code="code" in marks, link=link))
        else:
            spans.append(Span(_inline(child)))
    return tuple(spans)

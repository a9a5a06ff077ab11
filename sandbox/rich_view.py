"""Rich text shown as Jira's issue view shows it: an ADF document (Cloud) or wiki markup (Data Center) as HTML.

Only for the sandbox's own pages (``/browse/KEY``), so that a comment reads as a team member would see it. The
ADF nodes and marks are those of Atlassian's "Atlassian Document Format — structure" reference (doc, paragraph,
heading, bulletList, orderedList, listItem, codeBlock, blockquote, rule, hardBreak, text with strong, em, code,
strike, underline, link and textColor marks, status, mention, emoji, inlineCard); the status lozenge colours
are the six its `status` node allows (neutral, purple, blue, red, yellow, green), in the colours Jira draws them.
Wiki markup: the subset of the Jira text-formatting notation (Data Center "Text formatting notation help") a
comment usually carries: h1.–h6., * and # lists, *bold*, _italic_, {{monospace}}, {color:#hex}…{color},
{code}/{noformat}/{quote} blocks, bq. lines and [title|url] links.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Lozenge colours as Jira draws them (background, text).
LOZENGES = {"neutral": ("#DFE1E6", "#42526E"), "purple": ("#EAE6FF", "#403294"), "blue": ("#DEEBFF", "#0747A6"),
            "red": ("#FFEBE6", "#BF2600"), "yellow": ("#FFF0B3", "#172B4D"), "green": ("#E3FCEF", "#006644")}
LOZENGE_STYLE = ("display:inline-block;padding:0 4px;border-radius:3px;font-size:11px;font-weight:700;"
                 "line-height:16px;text-transform:uppercase;background:{0};color:{1}")


def adf_html(document: Any) -> str:
    """HTML of an ADF document; a node the view does not know shows its text."""
    if not isinstance(document, dict):
        return f"<p>{html.escape(str(document))}</p>"
    return "".join(_block(node) for node in document.get("content") or [])


def _block(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("type"), node.get("content") or []
    if kind == "paragraph":
        return f"<p>{_inlines(content)}</p>"
    if kind == "heading":
        level = min(max(int((node.get("attrs") or {}).get("level", 3)), 1), 6)
        return f"<h{level}>{_inlines(content)}</h{level}>"
    if kind in ("bulletList", "orderedList"):
        tag = "ul" if kind == "bulletList" else "ol"
        return f"<{tag}>" + "".join(f"<li>{''.join(_block(child) for child in item.get('content') or [])}</li>"
                                    for item in content if isinstance(item, dict)) + f"</{tag}>"
    if kind == "codeBlock":
        code = "".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        return f"<pre><code>{html.escape(code)}</code></pre>"
    if kind == "blockquote":
        return f"<blockquote>{''.join(_block(child) for child in content)}</blockquote>"
    if kind == "rule":
        return "<hr>"
    if kind == "panel":
        return f"<div class=panel>{''.join(_block(child) for child in content)}</div>"
    return f"<p>{_inlines(content)}</p>" if content else ""


def _inlines(nodes: list[Any]) -> str:
    return "".join(_inline(node) for node in nodes if isinstance(node, dict))


def _inline(node: dict[str, Any]) -> str:
    kind, attrs = node.get("type"), node.get("attrs") or {}
    if kind == "text":
        return _marked(html.escape(str(node.get("text", ""))), node.get("marks") or [])
    if kind == "hardBreak":
        return "<br>"
    if kind == "status":
        background, colour = LOZENGES.get(str(attrs.get("color", "neutral")), LOZENGES["neutral"])
        label = html.escape(str(attrs.get("text", "")))
        return f"<span style='{LOZENGE_STYLE.format(background, colour)}'>{label}</span>"
    if kind == "mention":
        return f"<span class=mention>@{html.escape(str(attrs.get('text') or attrs.get('id', '')).lstrip('@'))}</span>"
    if kind == "emoji":
        return html.escape(str(attrs.get("text") or attrs.get("shortName", "")))
    if kind == "inlineCard":
        url = html.escape(str(attrs.get("url", "")))
        return f"<a href='{url}'>{url}</a>"
    return html.escape(str(node.get("text", "")))


def _marked(text: str, marks: list[Any]) -> str:
    for mark in marks:
        if not isinstance(mark, dict):
            continue
        kind, attrs = mark.get("type"), mark.get("attrs") or {}
        if kind == "strong":
            text = f"<b>{text}</b>"
        elif kind == "em":
            text = f"<i>{text}</i>"
        elif kind == "code":
            text = f"<code>{text}</code>"
        elif kind == "strike":
            text = f"<s>{text}</s>"
        elif kind == "underline":
            text = f"<u>{text}</u>"
        elif kind == "link":
            text = f"<a href='{html.escape(str(attrs.get('href', '')))}'>{text}</a>"
        elif kind == "textColor":
            text = f"<span style='color:{html.escape(str(attrs.get('color', '')))}'>{text}</span>"
    return text


# -- wiki markup -------------------------------------------------------------------------------------------
_BLOCK = re.compile(r"\{(code|noformat|quote)(?::[^}]*)?\}(.*?)\{\1\}", re.DOTALL)
_COLOUR = re.compile(r"\{color:([#\w]+)\}(.*?)\{color\}", re.DOTALL)
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_MONO = re.compile(r"\{\{(.+?)\}\}")
_LINK = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")


def wiki_html(text: str) -> str:
    """HTML of a wiki-markup body."""
    out: list[str] = []
    pieces = _BLOCK.split(text or "")
    # split() gives text, kind, inner, text, kind, inner, ...
    for index in range(0, len(pieces), 3):
        out.append(_wiki_lines(pieces[index]))
        if index + 2 < len(pieces):
            kind, inner = pieces[index + 1], pieces[index + 2].strip("\n")
            out.append(f"<blockquote>{_wiki_lines(inner)}</blockquote>" if kind == "quote"
                       else f"<pre><code>{html.escape(inner)}</code></pre>")
    return "".join(out)


def _wiki_lines(text: str) -> str:
    out: list[str] = []
    in_list: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^h([1-6])\.\s+(.*)$", line)
        item = re.match(r"^([*#])\s+(.*)$", line)
        if item is None and in_list:
            out.append(f"</{in_list}>")
            in_list = None
        if heading:
            out.append(f"<h{heading[1]}>{_wiki_inline(heading[2])}</h{heading[1]}>")
        elif item:
            tag = "ul" if item[1] == "*" else "ol"
            if in_list != tag:
                if in_list:
                    out.append(f"</{in_list}>")
                out.append(f"<{tag}>")
                in_list = tag
            out.append(f"<li>{_wiki_inline(item[2])}</li>")
        elif line.startswith("bq. "):
            out.append(f"<blockquote>{_wiki_inline(line[4:])}</blockquote>")
        elif line.strip():
            out.append(f"<p>{_wiki_inline(line)}</p>")
    if in_list:
        out.append(f"</{in_list}>")
    return "".join(out)


def _wiki_inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = _MONO.sub(lambda m: f"<code>{m[1]}</code>", escaped)
    escaped = _COLOUR.sub(lambda m: f"<span style='color:{m[1]}'>{m[2]}</span>", escaped)
    escaped = _BOLD.sub(lambda m: f"<b>{m[1]}</b>", escaped)
    escaped = _ITALIC.sub(lambda m: f"<i>{m[1]}</i>", escaped)
    return _LINK.sub(lambda m: f"<a href='{m[2]}'>{m[1]}</a>", escaped)

"""Confluence storage format: checked as Confluence checks it, and shown as simple HTML for people."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html.entities import name2codepoint

AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _numeric_entities(body: str) -> str:
    """HTML named entities (``&nbsp;``) are fine in storage format; XML knows only five."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in XML_ENTITIES or name not in name2codepoint:
            return match.group(0)
        return f"&#{name2codepoint[name]};"

    return _ENTITY.sub(replace, body)


def parse(body: str) -> ET.Element:
    """The body as an element tree under a ``<root>`` that declares the ``ac:`` and ``ri:`` namespaces."""
    wrapped = f'<root xmlns:ac="{AC}" xmlns:ri="{RI}">{_numeric_entities(body)}</root>'
    return ET.fromstring(wrapped)


def problem(body: str) -> str | None:
    """None when ``body`` is well-formed storage format, else Confluence's kind of message."""
    try:
        parse(body)
    except ET.ParseError as exc:
        line, column = exc.position
        return f"Error parsing xhtml: {exc.msg.split(':')[0]} at [row,col]: [{line},{max(column - 39, 1)}]"
    return None


STATUS_COLOURS = {"green": ("#E3FCEF", "#006644"), "yellow": ("#FFF0B3", "#172B4D"), "red": ("#FFEBE6", "#BF2600"),
                  "blue": ("#DEEBFF", "#0747A6"), "purple": ("#EAE6FF", "#403294"), "grey": ("#DFE1E6", "#42526E")}
PANEL_COLOURS = {"info": "#DEEBFF", "note": "#EAE6FF", "tip": "#E3FCEF", "warning": "#FFEBE6", "panel": "#F4F5F7"}


def to_html(body: str, attachment_url=lambda filename: filename, jira_url: str = "") -> str:
    """Storage format as HTML that looks roughly as Confluence shows it (macros included)."""
    try:
        root = parse(body)
    except ET.ParseError as exc:
        return f"<pre>{html.escape(str(exc))}</pre>"
    return "".join(_render(child, attachment_url, jira_url) for child in root) + _tail(root)


def _tail(element: ET.Element) -> str:
    return html.escape(element.tail or "")


def _params(element: ET.Element) -> dict[str, str]:
    return {p.get(f"{{{AC}}}name", ""): "".join(p.itertext()) for p in element.findall(f"{{{AC}}}parameter")}


def _children(element: ET.Element, attachment_url, jira_url: str) -> str:
    return html.escape(element.text or "") + "".join(_render(c, attachment_url, jira_url) for c in element)


def _render(element: ET.Element, attachment_url, jira_url: str) -> str:
    tag = element.tag
    tail = html.escape(element.tail or "")
    if tag == f"{{{AC}}}structured-macro":
        return _macro(element, attachment_url, jira_url) + tail
    if tag == f"{{{AC}}}image":
        target = element.find(f"{{{RI}}}attachment")
        src = attachment_url(target.get(f"{{{RI}}}filename", "")) if target is not None else ""
        url = element.find(f"{{{RI}}}url")
        if url is not None:
            src = url.get(f"{{{RI}}}value", "")
        width = element.get(f"{{{AC}}}width")
        size = f' width="{html.escape(width)}"' if width else ""
        return f'<img src="{html.escape(src)}"{size} alt="">' + tail
    if tag == f"{{{AC}}}link":
        page = element.find(f"{{{RI}}}page")
        label = "".join(element.itertext()).strip() or (page.get(f"{{{RI}}}content-title", "") if page is not None
                                                          else "link")
        return f'<a href="#">{html.escape(label)}</a>' + tail
    if tag in (f"{{{AC}}}plain-text-body", f"{{{AC}}}rich-text-body", f"{{{AC}}}parameter"):
        return ""
    if tag.startswith("{"):
        return _children(element, attachment_url, jira_url) + tail
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in element.attrib.items() if not k.startswith("{"))
    inner = _children(element, attachment_url, jira_url)
    if tag in ("br", "hr", "col"):
        return f"<{tag}{attrs}>" + tail
    return f"<{tag}{attrs}>{inner}</{tag}>" + tail


def _macro(element: ET.Element, attachment_url, jira_url: str) -> str:
    name = element.get(f"{{{AC}}}name", "")
    params = _params(element)
    rich = element.find(f"{{{AC}}}rich-text-body")
    plain = element.find(f"{{{AC}}}plain-text-body")
    body = _children(rich, attachment_url, jira_url) if rich is not None else ""
    if name == "status":
        colour = params.get("colour", "grey").lower()
        background, foreground = STATUS_COLOURS.get(colour, STATUS_COLOURS["grey"])
        title = html.escape(params.get("title", ""))
        return (f'<span class="status-macro status-{colour}" style="background:{background};color:{foreground};'
                f'border-radius:3px;padding:0 4px;font-size:11px;font-weight:700;text-transform:uppercase">'
                f"{title}</span>")
    if name == "expand":
        return (f'<details class="expand-macro"><summary>{html.escape(params.get("title", "Click here to expand..."))}'
                f"</summary>{body}</details>")
    if name in PANEL_COLOURS:
        title = params.get("title")
        heading = f"<strong>{html.escape(title)}</strong>" if title else ""
        return (f'<div class="panel-macro panel-{name}" style="background:{PANEL_COLOURS[name]};padding:8px 12px;'
                f'border-radius:3px;margin:8px 0">{heading}{body}</div>')
    if name == "jira":
        key = params.get("key", "")
        href = f"{jira_url}/browse/{key}" if jira_url else "#"
        return f'<a class="jira-issue-macro" href="{html.escape(href)}">{html.escape(key)}</a>'
    if name == "code":
        code = "".join(plain.itertext()) if plain is not None else ""
        return f'<pre class="code-macro"><code>{html.escape(code)}</code></pre>'
    if name == "toc":
        return '<div class="toc-macro"></div>'
    return f'<div class="macro macro-{html.escape(name)}">{body}</div>'

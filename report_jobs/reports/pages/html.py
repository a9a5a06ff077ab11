"""Confluence storage format as HTML that looks as Confluence shows it: status lozenges, expands, panels, Jira
issue links, images from attachments, links to pages: the report preview (the sandbox draws pages with code of
its own)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.entities import name2codepoint

NAMESPACES = 'xmlns:ac="http://atlassian.com/content" xmlns:ri="http://atlassian.com/resource/identifier"'
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
    return ET.fromstring(f"<root {NAMESPACES}>{_numeric_entities(body)}</root>")


STATUS_COLOURS = {"green": ("#E3FCEF", "#006644"), "yellow": ("#FFF0B3", "#172B4D"), "red": ("#FFEBE6", "#BF2600"),
                  "blue": ("#DEEBFF", "#0747A6"), "purple": ("#EAE6FF", "#403294"), "grey": ("#DFE1E6", "#42526E")}
PANEL_COLOURS = {"info": "#DEEBFF", "note": "#EAE6FF", "tip": "#E3FCEF", "warning": "#FFEBE6", "panel": "#F4F5F7"}


def to_html(body: str, attachment_url: Callable[[str], str] = lambda filename: filename, jira_url: str = "",
            page_url: Callable[[str], str] = lambda title: "#") -> str:
    """Storage format as HTML (macros included); ``page_url`` turns a linked page's title into an address."""
    try:
        root = parse(body)
    except ET.ParseError as exc:
        return f"<pre>{html.escape(str(exc))}</pre>"
    links = _Links(attachment_url, jira_url, page_url)
    return "".join(_render(child, links) for child in root) + _tail(root)


class _Links:
    def __init__(self, attachment_url: Callable[[str], str], jira_url: str, page_url: Callable[[str], str]):
        self.attachment_url, self.jira_url, self.page_url = attachment_url, jira_url, page_url


def _tail(element: ET.Element) -> str:
    return html.escape(element.tail or "")


def _params(element: ET.Element) -> dict[str, str]:
    return {p.get(f"{{{AC}}}name", ""): "".join(p.itertext()) for p in element.findall(f"{{{AC}}}parameter")}


def _children(element: ET.Element, links: _Links) -> str:
    return html.escape(element.text or "") + "".join(_render(c, links) for c in element)


def _render(element: ET.Element, links: _Links) -> str:
    tag = element.tag
    tail = html.escape(element.tail or "")
    if tag == f"{{{AC}}}structured-macro":
        return _macro(element, links) + tail
    if tag == f"{{{AC}}}image":
        target = element.find(f"{{{RI}}}attachment")
        src = links.attachment_url(target.get(f"{{{RI}}}filename", "")) if target is not None else ""
        url = element.find(f"{{{RI}}}url")
        if url is not None:
            src = url.get(f"{{{RI}}}value", "")
        width = element.get(f"{{{AC}}}width")
        size = f' width="{html.escape(width)}"' if width else ""
        return f'<img src="{html.escape(src)}"{size} alt="">' + tail
    if tag == f"{{{AC}}}link":
        page = element.find(f"{{{RI}}}page")
        attached = element.find(f"{{{RI}}}attachment")
        if attached is not None:
            label = "".join(element.itertext()).strip() or attached.get(f"{{{RI}}}filename", "")
            href = links.attachment_url(attached.get(f"{{{RI}}}filename", ""))
            return f'<a href="{html.escape(href)}">{html.escape(label)}</a>' + tail
        label = "".join(element.itertext()).strip() or (page.get(f"{{{RI}}}content-title", "") if page is not None
                                                          else "link")
        href = links.page_url(page.get(f"{{{RI}}}content-title", "")) if page is not None else "#"
        return f'<a href="{html.escape(href)}">{html.escape(label)}</a>' + tail
    if tag in (f"{{{AC}}}plain-text-body", f"{{{AC}}}rich-text-body", f"{{{AC}}}parameter"):
        return ""
    if tag.startswith("{"):
        return _children(element, links) + tail
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in element.attrib.items() if not k.startswith("{"))
    inner = _children(element, links)
    if tag in ("br", "hr", "col"):
        return f"<{tag}{attrs}>" + tail
    return f"<{tag}{attrs}>{inner}</{tag}>" + tail


def _macro(element: ET.Element, links: _Links) -> str:
    name = element.get(f"{{{AC}}}name", "")
    params = _params(element)
    rich = element.find(f"{{{AC}}}rich-text-body")
    plain = element.find(f"{{{AC}}}plain-text-body")
    body = _children(rich, links) if rich is not None else ""
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
        heading = f"<strong>{html.escape(params['title'])}</strong>" if params.get("title") else ""
        return (f'<div class="panel-macro panel-{name}" style="background:{PANEL_COLOURS[name]};padding:8px 12px;'
                f'border-radius:3px;margin:8px 0">{heading}{body}</div>')
    if name == "jira":
        key = params.get("key", "")
        href = f"{links.jira_url}/browse/{key}" if links.jira_url else "#"
        return f'<a class="jira-issue-macro" href="{html.escape(href)}">{html.escape(key)}</a>'
    if name == "code":
        code = "".join(plain.itertext()) if plain is not None else ""
        return f'<pre class="code-macro"><code>{html.escape(code)}</code></pre>'
    if name == "toc":
        return '<div class="toc-macro"></div>'
    return f'<div class="macro macro-{html.escape(name)}">{body}</div>'


STYLE = """body{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI','Noto Sans','Noto Sans CJK SC',
'PingFang SC','Microsoft YaHei',sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;color:#172B4D;
font-size:14px;line-height:1.45}h1{font-size:24px}h2{font-size:19px;margin-top:28px}nav{font-size:13px}
nav a,a{color:#0052CC;text-decoration:none}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #C1C7D0;padding:5px 9px;vertical-align:top;text-align:left}th{background:#F4F5F7}
td ul{margin:0;padding-left:18px}img{max-width:100%}details{margin:6px 0;padding:4px 8px;
border-left:3px solid #DFE1E6}summary{cursor:pointer;color:#0052CC}.meta{color:#6B778C;font-size:12px}"""


def document(title: str, body_html: str, *, nav: str = "", meta: str = "", footer: str = "",
             font_file: str | None = None) -> str:
    """A standalone HTML page around rendered storage format (``nav``, ``meta``, ``footer``: HTML); with
    ``font_file``, that font (beside the page) draws what the reader's own fonts cannot."""
    style = STYLE
    if font_file:
        style = (f"@font-face{{font-family:'pmokit CJK';src:url('{html.escape(font_file)}')}}"
                 + STYLE.replace("sans-serif;", "'pmokit CJK',sans-serif;", 1))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body><nav>{nav}</nav><h1>{html.escape(title)}</h1>"
            f"{f'<p class=meta>{meta}</p>' if meta else ''}{body_html}{footer}</body></html>")

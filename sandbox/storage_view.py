"""A stored page as people read it: storage format drawn as plain HTML, macros the way Confluence shows them.

This is for looking at what was published (``/wiki/spaces/KEY/pages/ID``), not a Confluence renderer: XHTML
elements pass through, the common macros (status, expand, info/note/tip/warning/panel, code, jira, toc) get
their look, links to pages and attachments point into the sandbox, and anything else shows its children.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from .storage_check import PREFIXES, XHTML, document

AC, RI = (f"{{{PREFIXES[p]}}}" for p in ("ac", "ri"))
X = f"{{{XHTML}}}"
# The XHTML elements drawn as themselves; any other element shows its content only.
PASS_THROUGH = {"p", "div", "span", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u",
                "s", "del", "sub", "sup", "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody",
                "tfoot", "tr", "th", "td", "colgroup", "col", "a", "img", "small", "big", "time", "caption"}
VOID = {"br", "hr", "col", "img"}
SAFE_ATTRIBUTES = {"href", "src", "alt", "title", "colspan", "rowspan", "style", "class", "datetime", "width"}
LOZENGE = {"green": ("#E3FCEF", "#006644"), "yellow": ("#FFF0B3", "#172B4D"), "red": ("#FFEBE6", "#BF2600"),
           "blue": ("#DEEBFF", "#0747A6"), "purple": ("#EAE6FF", "#403294"), "grey": ("#DFE1E6", "#42526E")}
PANELS = {"info": "#DEEBFF", "note": "#EAE6FF", "tip": "#E3FCEF", "warning": "#FFEBE6", "panel": "#F4F5F7"}


@dataclass(frozen=True)
class Links:
    """Where links in a page lead: attachments of the page, other pages by title, Jira issues by key."""

    attachment: Callable[[str], str]
    page: Callable[[str], str]
    issue: Callable[[str], str]


def to_html(body: str, links: Links) -> str:
    """``body`` (storage format) as HTML; a body that does not parse shows why."""
    try:
        root = ET.fromstring(document(body))
    except ET.ParseError as exc:
        return f"<pre>This body is not storage format: {html.escape(str(exc))}</pre>"
    return _inner(root, links)


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=False)


def _inner(element: ET.Element, links: Links) -> str:
    return _esc(element.text) + "".join(_node(child, links) + _esc(child.tail) for child in element)


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _node(element: ET.Element, links: Links) -> str:
    tag = element.tag
    if tag.startswith(X):
        name = tag[len(X):]
        if name not in PASS_THROUGH:
            return _inner(element, links)
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in element.attrib.items() if k in SAFE_ATTRIBUTES
                        and not v.strip().lower().startswith("javascript:"))
        return f"<{name}{attrs}>" if name in VOID else f"<{name}{attrs}>{_inner(element, links)}</{name}>"
    if tag == f"{AC}structured-macro" or tag == f"{AC}macro":
        return _macro(element, links)
    if tag == f"{AC}image":
        return _image(element, links)
    if tag == f"{AC}link":
        return _link(element, links)
    if tag == f"{AC}emoticon":
        return _esc(element.get(f"{AC}emoji-fallback") or f"({element.get(f'{AC}name', '')})")
    if tag == f"{AC}task-list":
        items = "".join(_task(task, links) for task in element.findall(f"{AC}task"))
        return f"<ul style='list-style:none;padding-left:4px'>{items}</ul>"
    if tag in (f"{AC}layout", f"{AC}layout-section", f"{AC}layout-cell"):
        return f"<div class='{tag[len(AC):]}'>{_inner(element, links)}</div>"
    if tag in (f"{AC}parameter", f"{AC}placeholder", f"{AC}plain-text-body"):
        return ""
    return _inner(element, links)


def _parameters(macro: ET.Element) -> dict[str, str]:
    return {p.get(f"{AC}name", ""): _text(p) for p in macro.findall(f"{AC}parameter")}


def _macro(macro: ET.Element, links: Links) -> str:
    name = macro.get(f"{AC}name", "")
    params = _parameters(macro)
    rich = macro.find(f"{AC}rich-text-body")
    body = _inner(rich, links) if rich is not None else ""
    if name == "status":
        colour = params.get("colour", "grey").lower()
        background, foreground = LOZENGE.get(colour, LOZENGE["grey"])
        return (f"<span class='status' style='background:{background};color:{foreground};border-radius:3px;"
                f"padding:0 4px;font-size:11px;font-weight:700;text-transform:uppercase'>"
                f"{_esc(params.get('title', ''))}</span>")
    if name == "expand":
        return f"<details><summary>{_esc(params.get('title') or 'Click here to expand...')}</summary>{body}</details>"
    if name in PANELS:
        title = f"<strong>{_esc(params['title'])}</strong>" if params.get("title") else ""
        return (f"<div class='panel-{name}' style='background:{PANELS[name]};padding:8px 12px;border-radius:3px;"
                f"margin:8px 0'>{title}{body}</div>")
    if name in ("code", "noformat"):
        return f"<pre><code>{_esc(_text(macro.find(f'{AC}plain-text-body')))}</code></pre>"
    if name == "jira" and params.get("key"):
        key = params["key"]
        return f"<a class='jira-issue' href='{html.escape(links.issue(key))}'>{_esc(key)}</a>"
    if name == "toc":
        return "<div class='toc'>(table of contents)</div>"
    return f"<div class='macro' title='{html.escape(name)} macro'>{body}</div>"


def _image(image: ET.Element, links: Links) -> str:
    attachment, url = image.find(f"{RI}attachment"), image.find(f"{RI}url")
    if url is not None:
        src = url.get(f"{RI}value", "")
    elif attachment is not None:
        src = links.attachment(attachment.get(f"{RI}filename", ""))
    else:
        src = ""
    width = image.get(f"{AC}width")
    size = f" width='{html.escape(width)}'" if width else ""
    return f"<img src='{html.escape(src)}'{size} alt='{html.escape(image.get(f'{AC}alt', ''))}'>"


def _link(link: ET.Element, links: Links) -> str:
    page, attachment, user = link.find(f"{RI}page"), link.find(f"{RI}attachment"), link.find(f"{RI}user")
    body = link.find(f"{AC}link-body")
    label = _inner(body, links) if body is not None else _esc(_text(link.find(f"{AC}plain-text-link-body")))
    if page is not None:
        title = page.get(f"{RI}content-title", "")
        return f"<a href='{html.escape(links.page(title))}'>{label or _esc(title)}</a>"
    if attachment is not None:
        filename = attachment.get(f"{RI}filename", "")
        return f"<a href='{html.escape(links.attachment(filename))}'>{label or _esc(filename)}</a>"
    if user is not None:
        return f"<span class='user'>@{_esc(user.get(f'{RI}account-id') or user.get(f'{RI}username') or '')}</span>"
    anchor = link.get(f"{AC}anchor")
    return f"<a href='#{html.escape(anchor or '')}'>{label or _esc(anchor)}</a>"


def _task(task: ET.Element, links: Links) -> str:
    done = _text(task.find(f"{AC}task-status")).strip() == "complete"
    body = task.find(f"{AC}task-body")
    return f"<li>{'☑' if done else '☐'} {_inner(body, links) if body is not None else ''}</li>"

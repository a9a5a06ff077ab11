"""A report as standalone HTML files, for people without Confluence: each page rendered as Confluence shows it
(lozenges, expands, issue links, charts beside the pages), with links between the pages."""

from __future__ import annotations

import html
from pathlib import Path

from config.language import Words
from connector.publisher import PageSpec

from .pages.html import RI, document, parse, to_html

FONT_FILE = "pmokit-cjk.otf"


def file_name(page: PageSpec) -> str:
    """``portfolio`` is index.html; ``program/storefront`` is program-storefront.html."""
    kind = page.key.split("/", 1)[1] if "/" in page.key else page.key
    return "index.html" if kind == "portfolio" else kind.replace("/", "-") + ".html"


def linked_titles(body: str) -> set[str]:
    """The titles of the pages a body links to (``ri:page``)."""
    return {element.get(f"{{{RI}}}content-title", "") for element in parse(body).iter(f"{{{RI}}}page")}


def write_preview(pages: list[PageSpec], directory: Path, *, jira_url: str = "", generated: str = "",
                  language: str = "en") -> list[Path]:
    """Write every page (and its charts) into ``directory``; the files written, the top page first. Below a page
    the preview lists its child pages (as Confluence Data Center does) that its body does not link already."""
    t = Words(language)
    directory.mkdir(parents=True, exist_ok=True)
    by_title = {page.title: file_name(page) for page in pages}
    by_key = {page.key: page for page in pages}
    documents: list[tuple[Path, str, str, str, str]] = []
    for page in pages:
        for attachment in page.attachments:
            (directory / attachment.filename).write_bytes(attachment.data)
        trail: list[PageSpec] = []
        parent = page.parent_key
        while parent in by_key:
            trail.insert(0, by_key[parent])
            parent = by_key[parent].parent_key
        nav = " / ".join(f'<a href="{file_name(p)}">{html.escape(p.title)}</a>' for p in trail)
        linked = linked_titles(page.body)
        children = [p for p in pages if p.parent_key == page.key and p.title not in linked]
        items = "".join(f'<li><a href="{file_name(c)}">{html.escape(c.title)}</a></li>' for c in children)
        footer = f"<h3>{t('Child pages', '子页面')}</h3><ul>{items}</ul>" if children else ""
        body = to_html(page.body, attachment_url=lambda name: name, jira_url=jira_url,
                       page_url=lambda title: by_title.get(title, "#"))
        documents.append((directory / file_name(page), page.title, body, nav, footer))
    font = write_font_subset(directory / FONT_FILE, "".join(title + body for _, title, body, _, _ in documents))
    for path, title, body, nav, footer in documents:
        meta = f"{t('generated', '生成于')} {html.escape(generated)}" if generated else ""
        path.write_text(document(title, body, nav=nav, meta=meta,
                                 footer=footer, font_file=font), encoding="utf-8")
    return [path for path, *_ in documents]


def write_font_subset(path: Path, text: str) -> str | None:
    """Noto Sans CJK SC cut down to the characters of ``text`` beyond ASCII (tens of kilobytes, not 16 MB), so
    that the preview shows its Chinese on any machine; the file's name, or None when there is nothing to draw."""
    from fontTools import subset

    from .charts import cjk_font_path

    wanted = sorted({ord(ch) for ch in text if ord(ch) > 0x7F})
    if not wanted:
        return None
    options = subset.Options()
    options.layout_features, options.hinting, options.desubroutinize = [], False, True
    font = subset.load_font(cjk_font_path(), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    subset.save_font(font, str(path), options)
    return path.name

"""A Confluence page as people see it: ``/wiki/spaces/{key}/pages/{id}``, drawn by :mod:`sandbox.storage_view`."""

from __future__ import annotations

import html
from urllib.parse import quote

from flask import Blueprint, Response

from . import confluence_state as pages
from .html_page import page as html_page
from .render import timestamp
from .responses import site
from .storage_view import Links, to_html

blueprint = Blueprint("confluence_view", __name__)


def _page_url(space_key: str, page_id: str) -> str:
    return f"/wiki/spaces/{space_key}/pages/{page_id}"


@blueprint.get("/wiki/spaces/<key>/pages/<page_id>")
@blueprint.get("/wiki/spaces/<key>/pages/<page_id>/<path:title>")
def view_page(key: str, page_id: str, title: str | None = None) -> Response:
    with site().state.lock:
        shown = pages.page(page_id)
        if shown is None:
            return Response(html_page("Page not found", ""), status=404, mimetype="text/html")

        def by_title(linked: str) -> str:
            target = pages.by_title(shown.space_key, linked)
            return _page_url(target.space_key, target.id) if target else "#"

        links = Links(attachment=lambda name: f"/wiki/download/attachments/{shown.id}/{quote(name)}",
                      page=by_title, issue=lambda issue_key: f"/browse/{quote(issue_key)}")
        crumbs = " / ".join(f'<a href="{_page_url(a.space_key, a.id)}">{html.escape(a.title)}</a>'
                            for a in pages.ancestors(shown))
        kids = "".join(f'<li><a href="{_page_url(c.space_key, c.id)}">{html.escape(c.title)}</a></li>'
                       for c in pages.children(shown))
        text = html_page(shown.title, to_html(shown.body, links), nav=crumbs,
                         meta=f"v{shown.version} · {timestamp(shown.updated)}",
                         footer=f"<h3>Child pages</h3><ul>{kids}</ul>" if kids else "")
    return Response(text, mimetype="text/html")

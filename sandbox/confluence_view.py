"""A Confluence page as people see it, drawn by :mod:`sandbox.storage_view`: on Cloud at
``/wiki/spaces/{key}/pages/{id}``; on Data Center at ``/confluence/display/{key}/{Title+With+Pluses}`` or
``/confluence/pages/viewpage.action?pageId={id}`` (Atlassian KB "The Differences Between Various URL Formats for a
Confluence Page": the title form where the title allows it, the page id form for any page)."""

from __future__ import annotations

import html
from urllib.parse import quote, unquote_plus

from flask import Blueprint, Response, request

from . import confluence_state as pages
from .confluence_json import webui
from .html_page import page as html_page
from .model import SPage
from .render import timestamp
from .responses import site
from .storage_view import Links, to_html

cloud_blueprint = Blueprint("confluence_view_cloud", __name__)  # under /wiki
dc_blueprint = Blueprint("confluence_view_dc", __name__)  # under /confluence


def page_path(page: SPage) -> str:
    """Where a person reads ``page`` on this site (a path from the site's root)."""
    if site().confluence_cloud:
        return f"/wiki/spaces/{page.space_key}/pages/{page.id}"
    return f"{site().context_path}{webui(page)}"


def _not_found() -> Response:
    return Response(html_page("Page not found", ""), status=404, mimetype="text/html")


@cloud_blueprint.get("/spaces/<key>/pages/<page_id>")
@cloud_blueprint.get("/spaces/<key>/pages/<page_id>/<path:title>")
def view_page(key: str, page_id: str, title: str | None = None) -> Response:
    with site().state.lock:
        shown = pages.page(page_id)
        return _view(shown) if shown is not None else _not_found()


@dc_blueprint.get("/display/<key>/<path:title>")
def display_page(key: str, title: str) -> Response:
    """Data Center's "pretty" page URL: the space key and the title, spaces written as ``+``."""
    with site().state.lock:
        shown = pages.by_title(key, unquote_plus(title))
        return _view(shown) if shown is not None else _not_found()


@dc_blueprint.get("/pages/viewpage.action")
def viewpage_action() -> Response:
    with site().state.lock:
        shown = pages.page(request.args.get("pageId", ""))
        return _view(shown) if shown is not None else _not_found()


def _view(shown: SPage) -> Response:
    """The page as HTML; call under the state lock."""

    def by_title(linked: str) -> str:
        target = pages.by_title(shown.space_key, linked)
        return page_path(target) if target else "#"

    context = site().context_path
    links = Links(attachment=lambda name: f"{context}/download/attachments/{shown.id}/{quote(name)}",
                  page=by_title, issue=lambda issue_key: f"/browse/{quote(issue_key)}")
    crumbs = " / ".join(f'<a href="{html.escape(page_path(a))}">{html.escape(a.title)}</a>'
                        for a in pages.ancestors(shown))
    kids = "".join(f'<li><a href="{html.escape(page_path(c))}">{html.escape(c.title)}</a></li>'
                   for c in pages.children(shown))
    text = html_page(shown.title, to_html(shown.body, links), nav=crumbs,
                     meta=f"v{shown.version} · {timestamp(shown.updated)}",
                     footer=f"<h3>Child pages</h3><ul>{kids}</ul>" if kids else "")
    return Response(text, mimetype="text/html")

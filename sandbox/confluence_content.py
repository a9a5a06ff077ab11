"""Confluence v1 content (``{context}/rest/api/content``): find by space and title, CQL search (``content/search``
and ``search``), create, get with ``expand``, update (``version.number`` = current + 1, or 409), delete, history,
and child pages. Registered under the context path of the site's Confluence (``/wiki`` or ``/confluence``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import confluence_state as pages
from . import cql
from .confluence_attachments import update_attachment_by_id
from .confluence_json import content_v1, history_v1, iso, webui
from .confluence_paging import expand, page_of_v1, search_page_cloud, search_page_dc
from .model import SPage
from .requests_util import body
from .responses import error, site

blueprint = Blueprint("confluence_content", __name__)
CONTENT = "/rest/api/content"


def not_found(page_id: str) -> Response:
    return error(404, f"No content found with id: ContentId{{id={page_id}}}")


@blueprint.get(CONTENT)
def find_content() -> Response:
    state = site().state
    space_key, title = request.args.get("spaceKey"), request.args.get("title")
    kind = request.args.get("type", "page")
    with state.lock:
        found = [p for p in state.pages.values() if p.status == "current" and kind == "page"
                 and (space_key is None or p.space_key == space_key) and (title is None or p.title == title)]
        wanted = expand()
        return page_of_v1(found, lambda p: content_v1(p, wanted))


@blueprint.get(f"{CONTENT}/search")
def search_content() -> Response:
    """CQL search (the subset of :mod:`sandbox.cql`): on Confluence Cloud paged by cursor only, on Data Center by
    start and limit, capped by the system."""
    return _search(lambda p, wanted: content_v1(p, wanted), expand())


@blueprint.get("/rest/api/search")
def search() -> Response:
    """The general CQL search: each result wraps its content (``content``, expanded as ``content.*``) with the
    title, the page's ``url`` and when it last changed, as Confluence's search resource answers."""
    wanted = {e.removeprefix("content.") for e in expand() if e.startswith("content.")}

    def result(page: SPage, _: set[str]) -> dict[str, Any]:
        space = site().state.spaces[page.space_key]
        return {"content": content_v1(page, wanted), "title": page.title, "excerpt": "", "url": webui(page),
                "resultGlobalContainer": {"title": space.name, "displayUrl": (
                    f"/spaces/{space.key}" if site().confluence_cloud else f"/display/{space.key}")},
                "entityType": "content", "iconCssClass": "aui-icon content-type-page",
                "lastModified": iso(page.updated), "score": 0.0}

    return _search(result, wanted)


def _search(render: Any, wanted: set[str]) -> Response:
    state = site().state
    try:
        test = cql.matcher(request.args.get("cql", ""), pages.ancestors)
    except cql.CqlError as exc:
        return error(400, str(exc))
    with state.lock:
        found = [p for p in state.pages.values() if p.status == "current" and test(p)]
        if site().confluence_cloud:
            return search_page_cloud(found, lambda p: render(p, wanted), wanted)
        return search_page_dc(found, lambda p: render(p, wanted), wanted)


@blueprint.post(CONTENT)
def create_content() -> Response:
    data = body()
    # Accept the v1 shape, and the v2-like shape some clients send to v1 (spaceId, parentId, body.storage).
    space_ref = data.get("space") or {}
    space = pages.space_by_key_or_id(str(space_ref.get("key") or data.get("spaceId") or ""))
    if space is None:
        return error(400, "Could not find the space: a page needs space.key")
    if data.get("type", "page") != "page":
        return error(400, f"Content type {data.get('type')} is not supported by this sandbox")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        return error(400, "A page must have a title")
    value = ((data.get("body") or {}).get("storage") or {}).get("value", "")
    refusal = pages.refuse_body(value)
    if refusal:
        return refusal
    ancestors = data.get("ancestors") or []
    parent_id = (ancestors[-1].get("id") if ancestors else None) or data.get("parentId")
    with site().state.lock:
        created = pages.create(space, title, parent_id, value)
        if isinstance(created, Response):
            return created
        return jsonify(content_v1(created, {"body.storage", "ancestors"}))


@blueprint.get(f"{CONTENT}/<page_id>")
def get_content(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        return jsonify(content_v1(found, expand())) if found else not_found(page_id)


@blueprint.get(f"{CONTENT}/<page_id>/history")
def content_history(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        return jsonify(history_v1(found)) if found else not_found(page_id)


@blueprint.put(f"{CONTENT}/<page_id>")
def update_content(page_id: str) -> Response:
    if request.files:  # PUT content/{id} with a file updates that attachment
        return update_attachment_by_id(page_id)
    data = body()
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return not_found(page_id)
        version = data.get("version") or {}
        value = ((data.get("body") or {}).get("storage") or {}).get("value")
        ancestors = data.get("ancestors") or []
        failure = pages.update(found, version.get("number"), data.get("title"), value,
                               bool(version.get("minorEdit")), ancestors[-1].get("id") if ancestors else None,
                               message=version.get("message", ""))
        return failure or jsonify(content_v1(found, {"body.storage", "ancestors"}))


@blueprint.delete(f"{CONTENT}/<page_id>")
def delete_content(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return not_found(page_id)
        pages.trash(found)
    return Response(status=204)


@blueprint.get(f"{CONTENT}/<page_id>/child/page")
def child_pages(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return not_found(page_id)
        wanted = expand()
        return page_of_v1(pages.children(found), lambda p: content_v1(p, wanted))

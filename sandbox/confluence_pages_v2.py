"""Confluence Cloud's v2 pages (``/wiki/api/v2/pages``; Data Center has no v2):
list with cursor paging, get with ``body-format=storage``,
create, update, delete, and children."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from . import confluence_state as pages
from .confluence_json import child_v2, page_v2
from .confluence_paging import cursor_page
from .requests_util import body
from .responses import error, site

blueprint = Blueprint("confluence_pages_v2", __name__)
V2 = "/api/v2"  # the blueprint is registered under /wiki


def _listing(space_ids: list[str] | None) -> Response:
    state = site().state
    title = request.args.get("title")
    status = set((request.args.get("status") or "current").split(","))
    body_format = request.args.get("body-format")
    with state.lock:
        id_to_key = {s.id: s.key for s in state.spaces.values()}
        keys = {id_to_key.get(i) for i in space_ids} if space_ids else None
        items = [p for p in state.pages.values() if p.status in status and (keys is None or p.space_key in keys)
                 and (title is None or p.title == title)]
        return cursor_page(items, lambda p: page_v2(p, body_format))


@blueprint.get(f"{V2}/pages")
def list_pages() -> Response:
    space_ids = [i for i in (request.args.get("space-id") or "").split(",") if i]
    return _listing(space_ids or None)


@blueprint.get(f"{V2}/spaces/<space_id>/pages")
def space_pages(space_id: str) -> Response:
    return _listing([space_id])


@blueprint.get(f"{V2}/pages/<page_id>")
def get_page(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return error(404, "Page not found")
        return jsonify(page_v2(found, request.args.get("body-format")))


def _storage_value(data: dict[str, Any]) -> tuple[str | None, Response | None]:
    """The storage body of a v2 write (``{representation, value}``), checked; (None, None) when absent."""
    raw = data.get("body")
    if raw is None:
        return None, None
    if isinstance(raw, dict) and "value" in raw:
        if raw.get("representation", "storage") != "storage":
            return None, error(400, "Only the storage representation is supported by this sandbox")
        value = raw["value"]
    elif isinstance(raw, dict) and isinstance(raw.get("storage"), dict):
        value = raw["storage"].get("value")
    else:
        return None, error(400, "body must be {representation, value}")
    return value, pages.refuse_body(value)


@blueprint.post(f"{V2}/pages")
def create_page() -> Response:
    data = body()
    space = pages.space_by_key_or_id(str(data.get("spaceId") or ""))
    if space is None or space.id != str(data.get("spaceId")):
        return error(400, "spaceId is required and must be the id of a space")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        return error(400, "title is required")
    value, refusal = _storage_value(data)
    if refusal:
        return refusal
    with site().state.lock:
        created = pages.create(space, title, data.get("parentId"), value or "")
        if isinstance(created, Response):
            return created
        return jsonify(page_v2(created, "storage"))


@blueprint.put(f"{V2}/pages/<page_id>")
def update_page(page_id: str) -> Response:
    data = body()
    value, refusal = _storage_value(data)
    if refusal:
        return refusal
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return error(404, "Page not found")
        version = data.get("version") or {}
        failure = pages.update(found, version.get("number"), data.get("title"), value,
                               bool(version.get("minorEdit")), data.get("parentId"),
                               message=version.get("message", ""))
        return failure or jsonify(page_v2(found, "storage"))


@blueprint.delete(f"{V2}/pages/<page_id>")
def delete_page(page_id: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        pages.trash(found)
    return Response(status=204)


@blueprint.get(f"{V2}/pages/<page_id>/children")
@blueprint.get(f"{V2}/pages/<page_id>/direct-children")
def page_children(page_id: str) -> Response:
    found = pages.page(page_id)
    if found is None:
        return error(404, "Page not found")
    return cursor_page(pages.children(found), child_v2)

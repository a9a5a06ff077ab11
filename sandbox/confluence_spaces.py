"""Confluence spaces: v1 ``{context}/rest/api/space`` (Cloud and Data Center) and Cloud's v2 ``/wiki/api/v2/spaces``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .confluence_json import space_v1, space_v2
from .confluence_paging import cursor_page, page_of_v1
from .confluence_state import space_by_key_or_id
from .responses import error, site

blueprint = Blueprint("confluence_spaces", __name__)  # under the context path
blueprint_v2 = Blueprint("confluence_spaces_v2", __name__)  # Cloud only, under /wiki


@blueprint.get("/rest/api/space")
def spaces_v1() -> Response:
    return page_of_v1(list(site().state.spaces.values()), space_v1)


@blueprint.get("/rest/api/space/<key>")
def space_v1_(key: str) -> Response:
    space = site().state.spaces.get(key)
    return jsonify(space_v1(space)) if space else error(404, f"No space with key : {key}")


@blueprint_v2.get("/api/v2/spaces")
def spaces_v2() -> Response:
    keys = [k for k in (request.args.get("keys") or "").split(",") if k]
    ids = [i for i in (request.args.get("ids") or "").split(",") if i]
    items = [s for s in site().state.spaces.values() if (not keys or s.key in keys) and (not ids or s.id in ids)]
    return cursor_page(items, space_v2)


@blueprint_v2.get("/api/v2/spaces/<space_id>")
def space_v2_(space_id: str) -> Response:
    space = space_by_key_or_id(space_id)
    return jsonify(space_v2(space)) if space and space.id == space_id else error(404, "Space not found")

"""Paging as Confluence does it: v1 lists by ``start``/``limit`` with ``_links.next``, v2 lists (Cloud's, under
``/wiki``) by an opaque ``cursor`` with the next page in ``_links.next`` and the ``Link`` header (a path from the
site's root, ``/wiki`` included); ``content/search`` by cursor on Cloud, by ``start`` with the system's caps on
Data Center. v1 links are relative to ``_links.base`` (the site and its context path)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, request

from .confluence_json import wiki
from .responses import error, site


def expand() -> set[str]:
    return {e.strip() for e in (request.args.get("expand") or "").split(",") if e.strip()}


def paging(default_limit: int = 25) -> tuple[int, int]:
    """``start`` and ``limit`` of a v1 list (at most 250)."""
    try:
        start = max(int(request.args.get("start", 0)), 0)
        return start, min(max(int(request.args.get("limit", default_limit)), 1), 250)
    except ValueError:
        return 0, default_limit


def relative(path: str) -> str:
    """A path of this site as Confluence writes it in ``_links``: without the context path."""
    return path.removeprefix(site().context_path)


def array_v1(results: list[dict[str, Any]], start: int, limit: int, total: int) -> dict[str, Any]:
    links: dict[str, Any] = {"base": wiki(), "context": site().context_path, "self": request.base_url}
    if start + limit < total:
        args = request.args.to_dict() | {"start": start + limit, "limit": limit}
        links["next"] = f"{relative(request.path)}?{urlencode(args)}"
    return {"results": results, "start": start, "limit": limit, "size": len(results), "_links": links}


def page_of_v1(items: list[Any], render: Callable[[Any], dict[str, Any]], default_limit: int = 25) -> Response:
    start, limit = paging(default_limit)
    return jsonify(array_v1([render(i) for i in items[start:start + limit]], start, limit, len(items)))


def cursor_page(items: list[Any], render: Callable[[Any], dict[str, Any]]) -> Response:
    """A v2 list: ``limit`` and an opaque ``cursor``; the next page in ``_links.next`` and the ``Link`` header as
    Confluence Cloud writes it: a path from the site's root (``/wiki/api/v2/pages?cursor=…``), beside
    ``_links.base`` (``https://site/wiki``), so that base + next would say ``/wiki`` twice."""
    try:
        limit = min(max(int(request.args.get("limit", 25)), 1), 250)
        offset = int(base64.urlsafe_b64decode(request.args["cursor"]).decode()) if request.args.get("cursor") else 0
    except (ValueError, KeyError):
        return error(400, "Invalid cursor or limit")
    page = items[offset:offset + limit]
    body: dict[str, Any] = {"results": [render(i) for i in page], "_links": {"base": wiki()}}
    response = jsonify(body)
    if offset + limit < len(items):
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        args = {k: v for k, v in request.args.items() if k != "cursor"} | {"cursor": cursor}
        next_url = f"{request.path}?{urlencode(args)}"
        body["_links"]["next"] = next_url
        response.set_data(json.dumps(body, ensure_ascii=False))
        response.headers["Link"] = f'<{next_url}>; rel="next", <{wiki()}>; rel="base"'
    return response


def search_page_cloud(items: list[Any], render: Callable[[Any], dict[str, Any]], wanted: set[str]) -> Response:
    """Confluence Cloud's ``content/search``: paged by the cursor in ``_links.next`` only — ``start`` was
    deprecated in 2020 and is not honoured — with the limit the system allows (50 with a body expansion)."""
    cap = 50 if any(e.startswith("body") for e in wanted) else 250
    try:
        limit = min(max(int(request.args.get("limit", 25)), 1), cap)
        offset = int(base64.urlsafe_b64decode(request.args["cursor"]).decode()) if request.args.get("cursor") else 0
    except (ValueError, KeyError):
        return error(400, "Invalid cursor or limit")
    page = items[offset:offset + limit]
    links: dict[str, Any] = {"base": wiki(), "context": site().context_path, "self": request.base_url}
    if offset + limit < len(items):
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        args = {k: v for k, v in request.args.items() if k not in ("cursor", "start", "next")}
        args |= {"next": "true", "cursor": cursor, "limit": str(limit)}
        links["next"] = f"{relative(request.path)}?{urlencode(args)}"
    return jsonify({"results": [render(i) for i in page], "start": offset, "limit": limit, "size": len(page),
                    "_links": links})


def search_page_dc(items: list[Any], render: Callable[[Any], dict[str, Any]], wanted: set[str]) -> Response:
    """Confluence Data Center's ``content/search``: ``start``/``limit`` with ``_links.next`` carrying ``start``,
    the limit capped by the system whatever was asked: 50 with a body expansion, 200 with other expansions, 1000
    with none (Atlassian KB "Searching for content with the REST API and CQL always limits results to 50")."""
    cap = 50 if any(e.startswith("body") for e in wanted) else 200 if wanted else 1000
    start, _ = paging()
    try:
        limit = min(max(int(request.args.get("limit", 25)), 1), cap)
    except ValueError:
        limit = 25
    return jsonify(array_v1([render(i) for i in items[start:start + limit]], start, limit, len(items)))

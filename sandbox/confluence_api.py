"""Confluence Cloud: the v1 content API, the v2 spaces and pages API, downloads, and an HTML view."""

from __future__ import annotations

import base64
import html
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, g, jsonify, request

from report_jobs.reports.pages.html import document

from . import cql, storage
from .app import error, site
from .model import SAttachment, SPage, SSpace
from .render import timestamp
from .requests_util import body

blueprint = Blueprint("confluence", __name__)
V1 = "/wiki/rest/api"
V2 = "/wiki/api/v2"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _wiki() -> str:
    return f"{site().base_url}/wiki"


def _page(page_id: str) -> SPage | None:
    page = site().state.pages.get(str(page_id))
    return page if page is not None and page.status == "current" else None


def _space_by_key_or_id(ident: str) -> SSpace | None:
    state = site().state
    if ident in state.spaces:
        return state.spaces[ident]
    return next((s for s in state.spaces.values() if s.id == str(ident)), None)


def _user_v1(account_id: str) -> dict[str, Any]:
    user = site().state.users.get(account_id)
    name = user.display_name if user else "Unknown"
    return {"type": "known", "accountId": account_id, "accountType": "atlassian", "email": user.email if user else "",
            "publicName": name, "displayName": name, "profilePicture": {"path": "/wiki/aa-avatar/default.png",
                                                                         "width": 48, "height": 48,
                                                                         "isDefault": True}}


def _space_v1(space: SSpace) -> dict[str, Any]:
    return {"id": int(space.id), "key": space.key, "name": space.name, "type": "global", "status": "current",
            "_expandable": {"homepage": f"/rest/api/content/{space.homepage_id}"},
            "_links": {"webui": f"/spaces/{space.key}", "self": f"{_wiki()}/rest/api/space/{space.key}"}}


def _labels_v1(page: SPage) -> dict[str, Any]:
    return {"results": [{"prefix": "global", "name": label, "id": str(abs(hash(label)) % 10**9), "label": label}
                        for label in page.labels], "start": 0, "limit": 200, "size": len(page.labels)}


def _ancestors(page: SPage) -> list[SPage]:
    chain, current = [], page
    while current.parent_id:
        parent = site().state.pages.get(current.parent_id)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))


def _content_v1(page: SPage, expand: set[str]) -> dict[str, Any]:
    space = site().state.spaces[page.space_key]
    data: dict[str, Any] = {
        "id": page.id, "type": "page", "status": page.status, "title": page.title,
        "space": _space_v1(space),
        "version": {"by": _user_v1(page.author), "when": _iso(page.updated), "number": page.version,
                    "minorEdit": page.minor_edit, "message": ""},
        "_expandable": {"children": f"/rest/api/content/{page.id}/child",
                        "history": f"/rest/api/content/{page.id}/history"},
        "_links": {"webui": f"/spaces/{space.key}/pages/{page.id}/{quote(page.title)}",
                   "self": f"{_wiki()}/rest/api/content/{page.id}", "base": _wiki(),
                   "tinyui": f"/x/{base64.urlsafe_b64encode(page.id.encode()).decode().rstrip('=')}"},
    }
    if "ancestors" in expand:
        data["ancestors"] = [{"id": a.id, "type": "page", "status": a.status, "title": a.title,
                              "_links": {"self": f"{_wiki()}/rest/api/content/{a.id}"}} for a in _ancestors(page)]
    if "body.storage" in expand or "body" in expand:
        data["body"] = {"storage": {"value": page.body, "representation": "storage"}}
    if "metadata.labels" in expand or "metadata" in expand:
        data["metadata"] = {"labels": _labels_v1(page)}
    if "children.page" in expand:
        children = _children(page)
        data["children"] = {"page": {"results": [_content_v1(c, set()) for c in children], "start": 0,
                                     "limit": 25, "size": len(children)}}
    return data


def _children(page: SPage) -> list[SPage]:
    return [p for p in site().state.pages.values() if p.parent_id == page.id and p.status == "current"]


def _expand() -> set[str]:
    return {e.strip() for e in (request.args.get("expand") or "").split(",") if e.strip()}


def _array(results: list[dict[str, Any]], start: int, limit: int, total: int) -> dict[str, Any]:
    links: dict[str, Any] = {"base": _wiki(), "context": "/wiki", "self": request.base_url}
    if start + limit < total:
        args = request.args.to_dict() | {"start": start + limit, "limit": limit}
        links["next"] = f"{request.path.removeprefix('/wiki')}?{urlencode(args)}"
    return {"results": results, "start": start, "limit": limit, "size": len(results), "_links": links}


def _paging(default_limit: int = 25) -> tuple[int, int]:
    try:
        start = max(int(request.args.get("start", 0)), 0)
        return start, min(max(int(request.args.get("limit", default_limit)), 1), 250)
    except ValueError:
        return 0, default_limit


def _check_body(value: Any) -> Response | None:
    if not isinstance(value, str):
        return error(400, "Page body is missing or not a string.")
    problem = storage.problem(value)
    if problem:
        return error(400, f"com.atlassian.confluence.api.service.exceptions.BadRequestException: {problem}")
    return None


def _title_taken(space_key: str, title: str, except_id: str | None = None) -> bool:
    return any(p.space_key == space_key and p.title == title and p.status == "current" and p.id != except_id
               for p in site().state.pages.values())


# -- v1: spaces and content ------------------------------------------------------------------------------
@blueprint.get(f"{V1}/space")
def spaces_v1() -> Response:
    start, limit = _paging()
    items = list(site().state.spaces.values())
    return jsonify(_array([_space_v1(s) for s in items[start:start + limit]], start, limit, len(items)))


@blueprint.get(f"{V1}/space/<key>")
def space_v1(key: str) -> Response:
    space = site().state.spaces.get(key)
    return jsonify(_space_v1(space)) if space else error(404, f"No space with key : {key}")


@blueprint.get(f"{V1}/content")
def find_content() -> Response:
    state = site().state
    space_key, title = request.args.get("spaceKey"), request.args.get("title")
    kind = request.args.get("type", "page")
    start, limit = _paging()
    with state.lock:
        pages = [p for p in state.pages.values() if p.status == "current" and kind == "page"
                 and (space_key is None or p.space_key == space_key) and (title is None or p.title == title)]
        expand = _expand()
        return jsonify(_array([_content_v1(p, expand) for p in pages[start:start + limit]], start, limit, len(pages)))


@blueprint.get(f"{V1}/content/search")
def search_content() -> Response:
    """CQL search (the subset of :mod:`sandbox.cql`), paged by start and limit like every v1 list."""
    state = site().state
    try:
        test = cql.matcher(request.args.get("cql", ""), _ancestors)
    except cql.CqlError as exc:
        return error(400, str(exc))
    start, limit = _paging()
    with state.lock:
        pages = [p for p in state.pages.values() if p.status == "current" and test(p)]
        expand = _expand()
        return jsonify(_array([_content_v1(p, expand) for p in pages[start:start + limit]], start, limit, len(pages)))


def _create_page(space: SSpace, title: str, parent_id: str | None, value: str) -> SPage | Response:
    state = site().state
    if parent_id and _page(parent_id) is None:
        return error(400, f"Can not find parent page with id {parent_id}")
    if _title_taken(space.key, title):
        return error(400, "A page with this title already exists: A page already exists with the same TITLE in "
                          "this space")
    now = _now()
    page = SPage(id=str(state.next_id("page")), title=title, space_key=space.key,
                 parent_id=str(parent_id) if parent_id else space.homepage_id, body=value, version=1, created=now,
                 updated=now, author=g.user)
    state.pages[page.id] = page
    site().changed()
    site().stats.write("page")
    return page


@blueprint.post(f"{V1}/content")
def create_content_v1() -> Response:
    data = body()
    state = site().state
    # Accept the v1 shape, and the v2-like shape some clients send to v1 (spaceId, parentId, body.storage).
    space_ref = data.get("space") or {}
    space = _space_by_key_or_id(str(space_ref.get("key") or data.get("spaceId") or ""))
    if space is None:
        return error(400, "Could not find the space: a page needs space.key")
    if data.get("type", "page") != "page":
        return error(400, f"Content type {data.get('type')} is not supported by this sandbox")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        return error(400, "A page must have a title")
    storage_body = ((data.get("body") or {}).get("storage") or {})
    value = storage_body.get("value", "")
    problem = _check_body(value)
    if problem:
        return problem
    ancestors = data.get("ancestors") or []
    parent_id = (ancestors[-1].get("id") if ancestors else None) or data.get("parentId")
    with state.lock:
        page = _create_page(space, title, parent_id, value)
        if isinstance(page, Response):
            return page
        return jsonify(_content_v1(page, {"body.storage", "ancestors"}))


@blueprint.get(f"{V1}/content/<page_id>")
def get_content_v1(page_id: str) -> Response:
    state = site().state
    with state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        return jsonify(_content_v1(page, _expand()))


def _update(page: SPage, number: Any, title: str | None, value: str | None, minor: bool,
            parent_id: str | None = None) -> Response | None:
    """Apply an update; None when done, else the error response."""
    if site().faults.take_conflict():
        return error(409, f"Version must be incremented on update. Current version is: {page.version}")
    if not isinstance(number, int) or number != page.version + 1:
        return error(409, f"Version must be incremented on update. Current version is: {page.version}")
    if value is not None:
        problem = _check_body(value)
        if problem:
            return problem
        page.body = value
    if title and title != page.title:
        if _title_taken(page.space_key, title, page.id):
            return error(400, "A page with this title already exists: A page already exists with the same "
                              "TITLE in this space")
        page.title = title
    if parent_id and _page(parent_id) is not None:
        page.parent_id = str(parent_id)
    page.version = number
    page.minor_edit = minor
    page.updated = _now()
    page.author = g.user
    site().changed()
    site().stats.write("page")
    return None


@blueprint.put(f"{V1}/content/<page_id>")
def update_content_v1(page_id: str) -> Response:
    state = site().state
    if request.files:
        return _update_attachment_by_id(page_id)
    data = body()
    with state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        version = data.get("version") or {}
        value = ((data.get("body") or {}).get("storage") or {}).get("value")
        ancestors = data.get("ancestors") or []
        failure = _update(page, version.get("number"), data.get("title"), value, bool(version.get("minorEdit")),
                          ancestors[-1].get("id") if ancestors else None)
        if failure:
            return failure
        return jsonify(_content_v1(page, {"body.storage", "ancestors"}))


@blueprint.delete(f"{V1}/content/<page_id>")
def delete_content_v1(page_id: str) -> Response:
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        page.status = "trashed"
        site().changed()
        site().stats.write("page")
    return Response(status=204)


@blueprint.get(f"{V1}/content/<page_id>/child/page")
def children_v1(page_id: str) -> Response:
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        start, limit = _paging()
        children = _children(page)
        expand = _expand()
        return jsonify(_array([_content_v1(c, expand) for c in children[start:start + limit]], start, limit,
                              len(children)))


@blueprint.get(f"{V1}/content/<page_id>/label")
def labels_v1(page_id: str) -> Response:
    page = _page(page_id)
    return jsonify(_labels_v1(page)) if page else error(404, f"No content found with id: ContentId{{id={page_id}}}")


@blueprint.post(f"{V1}/content/<page_id>/label")
def add_labels_v1(page_id: str) -> Response:
    items = request.get_json(silent=True)
    items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        added = 0
        for item in items:
            name = str((item or {}).get("name") or "").strip().lower()
            if name and name not in page.labels:
                page.labels.append(name)
                added += 1
        if added:
            site().changed()
            site().stats.write("label", added)
        return jsonify(_labels_v1(page))


@blueprint.delete(f"{V1}/content/<page_id>/label/<label>")
def remove_label_v1(page_id: str, label: str) -> Response:
    with site().state.lock:
        page = _page(page_id)
        if page is None or label not in page.labels:
            return error(404, f"Label {label} not found")
        page.labels.remove(label)
        site().changed()
        site().stats.write("label")
    return Response(status=204)


# -- attachments ---------------------------------------------------------------------------------------
def _attachment_v1(page: SPage, att: SAttachment) -> dict[str, Any]:
    download = f"/download/attachments/{page.id}/{quote(att.title)}?version={att.version}"
    return {"id": att.id, "type": "attachment", "status": "current", "title": att.title,
            "version": {"by": _user_v1(page.author), "when": _iso(att.created or page.updated),
                        "number": att.version, "minorEdit": True, "message": att.comment},
            "metadata": {"mediaType": att.media_type, "comment": att.comment},
            "extensions": {"mediaType": att.media_type, "fileSize": len(att.data), "comment": att.comment},
            "_links": {"download": download, "webui": f"/pages/viewpageattachments.action?pageId={page.id}",
                       "self": f"{_wiki()}/rest/api/content/{att.id}"},
            "_expandable": {"container": f"/rest/api/content/{page.id}"}}


def _xsrf_ok() -> bool:
    return request.headers.get("X-Atlassian-Token", "").lower() in ("no-check", "nocheck")


def _find_attachment(attachment_id: str) -> tuple[SPage, SAttachment] | None:
    for page in site().state.pages.values():
        for att in page.attachments:
            if att.id == attachment_id:
                return page, att
    return None


def _store_upload(page: SPage, existing: SAttachment | None) -> SAttachment | Response:
    upload = request.files.get("file")
    if upload is None:
        return error(400, "Attachment upload needs a multipart field 'file'.")
    data = upload.read()
    comment = request.form.get("comment", "")
    media = request.form.get("contentType") or upload.mimetype or "application/octet-stream"
    if existing is None:
        existing = SAttachment(id=f"att{site().state.next_id('page_attachment')}", title=upload.filename or "file",
                               media_type=media, data=data, comment=comment, created=_now())
        page.attachments.append(existing)
    else:
        existing.data, existing.media_type, existing.comment = data, media, comment
        existing.version += 1
        existing.created = _now()
    site().changed()
    site().stats.write("attachment")
    return existing


@blueprint.get(f"{V1}/content/<page_id>/child/attachment")
def attachments_v1(page_id: str) -> Response:
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        wanted = request.args.get("filename")
        items = [a for a in page.attachments if wanted is None or a.title == wanted]
        start, limit = _paging(50)
        return jsonify(_array([_attachment_v1(page, a) for a in items[start:start + limit]], start, limit,
                              len(items)))


@blueprint.route(f"{V1}/content/<page_id>/child/attachment", methods=["POST", "PUT"])
def upload_attachment_v1(page_id: str) -> Response:
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, f"No content found with id: ContentId{{id={page_id}}}")
        upload = request.files.get("file")
        name = upload.filename if upload else ""
        existing = next((a for a in page.attachments if a.title == name), None)
        if existing is not None and request.method == "POST":
            return error(400, f"Cannot add a new attachment with same file name as an existing attachment: {name}")
        stored = _store_upload(page, existing)
        if isinstance(stored, Response):
            return stored
        return jsonify(_array([_attachment_v1(page, stored)], 0, 1, 1))


@blueprint.post(f"{V1}/content/<page_id>/child/attachment/<attachment_id>/data")
def update_attachment_v1(page_id: str, attachment_id: str) -> Response:
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        page = _page(page_id)
        att = next((a for a in page.attachments if a.id == attachment_id), None) if page else None
        if att is None:
            return error(404, f"No attachment {attachment_id} on content {page_id}")
        stored = _store_upload(page, att)
        if isinstance(stored, Response):
            return stored
        return jsonify(_attachment_v1(page, stored))


def _update_attachment_by_id(attachment_id: str) -> Response:
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        found = _find_attachment(attachment_id)
        if found is None:
            return error(404, f"No content found with id: ContentId{{id={attachment_id}}}")
        page, att = found
        stored = _store_upload(page, att)
        if isinstance(stored, Response):
            return stored
        return jsonify(_attachment_v1(page, stored))


@blueprint.get("/wiki/download/attachments/<page_id>/<path:filename>")
def download(page_id: str, filename: str) -> Response:
    page = _page(page_id)
    att = next((a for a in page.attachments if a.title == filename), None) if page else None
    if att is None:
        return error(404, "Attachment not found")
    return Response(att.data, mimetype=att.media_type)


# -- v2 -------------------------------------------------------------------------------------------------
def _space_v2(space: SSpace) -> dict[str, Any]:
    return {"id": space.id, "key": space.key, "name": space.name, "type": "global", "status": "current",
            "authorId": site().state.users and next(iter(site().state.users)), "createdAt": _iso(_now()),
            "homepageId": space.homepage_id, "description": None, "icon": None,
            "_links": {"webui": f"/spaces/{space.key}"}}


def _page_v2(page: SPage, body_format: str | None) -> dict[str, Any]:
    space = site().state.spaces[page.space_key]
    data: dict[str, Any] = {
        "id": page.id, "status": page.status, "title": page.title, "spaceId": space.id,
        "position": None, "authorId": page.author, "ownerId": page.author, "createdAt": _iso(page.created),
        "version": {"createdAt": _iso(page.updated), "message": "", "number": page.version,
                    "minorEdit": page.minor_edit, "authorId": page.author},
        "body": {},
        "_links": {"webui": f"/spaces/{space.key}/pages/{page.id}/{quote(page.title)}",
                   "editui": f"/pages/resumedraft.action?draftId={page.id}",
                   "tinyui": f"/x/{page.id}"},
    }
    if page.parent_id:  # a top-level page has no parent fields at all
        data["parentId"], data["parentType"] = page.parent_id, "page"
    if body_format == "storage":
        data["body"] = {"storage": {"representation": "storage", "value": page.body}}
    return data


def _cursor_page(items: list[Any], render) -> Response:
    """Cursor paging: ``limit`` and an opaque ``cursor``; the next page's URL in the ``Link`` header."""
    try:
        limit = min(max(int(request.args.get("limit", 25)), 1), 250)
        offset = int(base64.urlsafe_b64decode(request.args["cursor"]).decode()) if request.args.get("cursor") else 0
    except (ValueError, KeyError):
        return error(400, "Invalid cursor or limit")
    page = items[offset:offset + limit]
    body_: dict[str, Any] = {"results": [render(i) for i in page], "_links": {"base": _wiki()}}
    response = jsonify(body_)
    if offset + limit < len(items):
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
        args = {k: v for k, v in request.args.items() if k != "cursor"} | {"cursor": cursor}
        next_url = f"{request.path.removeprefix('/wiki')}?{urlencode(args)}"
        body_["_links"]["next"] = next_url
        response.set_data(json.dumps(body_, ensure_ascii=False))
        response.headers["Link"] = f'<{next_url}>; rel="next", <{_wiki()}>; rel="base"'
    return response


@blueprint.get(f"{V2}/spaces")
def spaces_v2() -> Response:
    keys = [k for k in (request.args.get("keys") or "").split(",") if k]
    ids = [i for i in (request.args.get("ids") or "").split(",") if i]
    items = [s for s in site().state.spaces.values() if (not keys or s.key in keys) and (not ids or s.id in ids)]
    return _cursor_page(items, _space_v2)


@blueprint.get(f"{V2}/spaces/<space_id>")
def space_v2(space_id: str) -> Response:
    space = _space_by_key_or_id(space_id)
    return jsonify(_space_v2(space)) if space and space.id == space_id else error(404, "Space not found")


def _pages_query(space_ids: list[str] | None) -> Response:
    state = site().state
    title = request.args.get("title")
    status = set((request.args.get("status") or "current").split(","))
    body_format = request.args.get("body-format")
    with state.lock:
        id_to_key = {s.id: s.key for s in state.spaces.values()}
        keys = {id_to_key.get(i) for i in space_ids} if space_ids else None
        items = [p for p in state.pages.values() if p.status in status and (keys is None or p.space_key in keys)
                 and (title is None or p.title == title)]
        return _cursor_page(items, lambda p: _page_v2(p, body_format))


@blueprint.get(f"{V2}/pages")
def pages_v2() -> Response:
    space_ids = [i for i in (request.args.get("space-id") or "").split(",") if i]
    return _pages_query(space_ids or None)


@blueprint.get(f"{V2}/spaces/<space_id>/pages")
def space_pages_v2(space_id: str) -> Response:
    return _pages_query([space_id])


@blueprint.get(f"{V2}/pages/<page_id>")
def page_v2(page_id: str) -> Response:
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, "Page not found")
        return jsonify(_page_v2(page, request.args.get("body-format")))


def _body_v2(data: dict[str, Any]) -> tuple[str | None, Response | None]:
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
    return value, _check_body(value)


@blueprint.post(f"{V2}/pages")
def create_page_v2() -> Response:
    data = body()
    space = _space_by_key_or_id(str(data.get("spaceId") or ""))
    if space is None or space.id != str(data.get("spaceId")):
        return error(400, "spaceId is required and must be the id of a space")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        return error(400, "title is required")
    value, problem = _body_v2(data)
    if problem:
        return problem
    with site().state.lock:
        page = _create_page(space, title, data.get("parentId"), value or "")
        if isinstance(page, Response):
            return page
        return jsonify(_page_v2(page, "storage"))


@blueprint.put(f"{V2}/pages/<page_id>")
def update_page_v2(page_id: str) -> Response:
    data = body()
    value, problem = _body_v2(data)
    if problem:
        return problem
    with site().state.lock:
        page = _page(page_id)
        if page is None:
            return error(404, "Page not found")
        version = data.get("version") or {}
        failure = _update(page, version.get("number"), data.get("title"), value, bool(version.get("minorEdit")),
                          data.get("parentId"))
        if failure:
            return failure
        return jsonify(_page_v2(page, "storage"))


@blueprint.delete(f"{V2}/pages/<page_id>")
def delete_page_v2(page_id: str) -> Response:
    return delete_content_v1(page_id)


@blueprint.get(f"{V2}/pages/<page_id>/children")
@blueprint.get(f"{V2}/pages/<page_id>/direct-children")
def page_children_v2(page_id: str) -> Response:
    page = _page(page_id)
    if page is None:
        return error(404, "Page not found")
    return _cursor_page(_children(page), lambda p: {"id": p.id, "status": p.status, "title": p.title,
                                                   "spaceId": site().state.spaces[p.space_key].id,
                                                   "childPosition": None, "type": "page"})


@blueprint.get(f"{V2}/pages/<page_id>/labels")
def page_labels_v2(page_id: str) -> Response:
    page = _page(page_id)
    if page is None:
        return error(404, "Page not found")
    return _cursor_page(page.labels, lambda label: {"id": str(abs(hash(label)) % 10**9), "name": label,
                                                   "prefix": "global"})


@blueprint.get(f"{V2}/pages/<page_id>/attachments")
def page_attachments_v2(page_id: str) -> Response:
    page = _page(page_id)
    if page is None:
        return error(404, "Page not found")
    return _cursor_page(page.attachments, lambda a: {
        "id": a.id, "status": "current", "title": a.title, "mediaType": a.media_type, "fileSize": len(a.data),
        "comment": a.comment, "pageId": page.id, "createdAt": _iso(a.created or page.updated),
        "version": {"number": a.version, "createdAt": _iso(a.created or page.updated), "minorEdit": True,
                    "authorId": page.author, "message": a.comment},
        "downloadLink": f"/download/attachments/{page.id}/{quote(a.title)}?version={a.version}",
        "_links": {"download": f"/download/attachments/{page.id}/{quote(a.title)}"}})


# -- a page as people see it ------------------------------------------------------------------------------
@blueprint.get("/wiki/spaces/<key>/pages/<page_id>")
@blueprint.get("/wiki/spaces/<key>/pages/<page_id>/<path:title>")
def view_page(key: str, page_id: str, title: str | None = None) -> Response:
    page = _page(page_id)
    if page is None:
        return Response("<h1>Page not found</h1>", status=404, mimetype="text/html")
    crumbs = " / ".join(f'<a href="/wiki/spaces/{a.space_key}/pages/{a.id}">{html.escape(a.title)}</a>'
                        for a in _ancestors(page))
    rendered = storage.to_html(page.body, lambda name: f"/wiki/download/attachments/{page.id}/{quote(name)}",
                               site().base_url)
    children = "".join(f'<li><a href="/wiki/spaces/{c.space_key}/pages/{c.id}">{html.escape(c.title)}</a></li>'
                       for c in _children(page))
    html_page = document(page.title, rendered, nav=crumbs, meta=f"v{page.version} · {timestamp(page.updated)}",
                         footer=f"<h3>Child pages</h3><ul>{children}</ul>" if children else "")
    return Response(html_page, mimetype="text/html")

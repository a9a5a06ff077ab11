"""Page attachments: v1 ``content/{id}/child/attachment`` (list; create with POST, create-or-update with PUT;
``.../{id}/data``), Cloud's v2 ``pages/{id}/attachments``, and downloads under
``{context}/download/attachments``. Uploads
need ``X-Atlassian-Token: no-check`` (Atlassian's docs also spell it ``nocheck``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from . import confluence_state as pages
from .confluence_json import attachment_v1, attachment_v2
from .confluence_paging import array_v1, cursor_page, page_of_v1
from .model import SAttachment, SPage
from .responses import error, site

blueprint = Blueprint("confluence_attachments", __name__)  # under the context path
blueprint_v2 = Blueprint("confluence_attachments_v2", __name__)  # Cloud only, under /wiki
ATTACHMENTS = "/rest/api/content/<page_id>/child/attachment"


def _xsrf_ok() -> bool:
    return request.headers.get("X-Atlassian-Token", "").lower() in ("no-check", "nocheck")


def _no_page(page_id: str) -> Response:
    return error(404, f"No content found with id: ContentId{{id={page_id}}}")


def _find(attachment_id: str) -> tuple[SPage, SAttachment] | None:
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
    now = datetime.now(UTC)
    if existing is None:
        existing = SAttachment(id=f"att{site().state.next_id('page_attachment')}", title=upload.filename or "file",
                               media_type=media, data=data, comment=comment, created=now)
        page.attachments.append(existing)
    else:
        existing.data, existing.media_type, existing.comment = data, media, comment
        existing.version += 1
        existing.created = now
    site().changed()
    site().stats.write("attachment")
    return existing


@blueprint.get(ATTACHMENTS)
def attachments(page_id: str) -> Response:
    with site().state.lock:
        page = pages.page(page_id)
        if page is None:
            return _no_page(page_id)
        wanted = request.args.get("filename")
        items = [a for a in page.attachments if wanted is None or a.title == wanted]
        return page_of_v1(items, lambda a: attachment_v1(page, a), default_limit=50)


@blueprint.route(ATTACHMENTS, methods=["POST", "PUT"])
def upload(page_id: str) -> Response:
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        page = pages.page(page_id)
        if page is None:
            return _no_page(page_id)
        sent = request.files.get("file")
        name = sent.filename if sent else ""
        existing = next((a for a in page.attachments if a.title == name), None)
        if existing is not None and request.method == "POST":
            return error(400, f"Cannot add a new attachment with same file name as an existing attachment: {name}")
        stored = _store_upload(page, existing)
        if isinstance(stored, Response):
            return stored
        return jsonify(array_v1([attachment_v1(page, stored)], 0, 1, 1))


@blueprint.post(f"{ATTACHMENTS}/<attachment_id>/data")
def update_data(page_id: str, attachment_id: str) -> Response:
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        page = pages.page(page_id)
        att = next((a for a in page.attachments if a.id == attachment_id), None) if page else None
        if page is None or att is None:
            return error(404, f"No attachment {attachment_id} on content {page_id}")
        stored = _store_upload(page, att)
        if isinstance(stored, Response):
            return stored
        return jsonify(attachment_v1(page, stored))


def update_attachment_by_id(attachment_id: str) -> Response:
    """``PUT content/{attachment id}`` with a file: a new version of that attachment."""
    if not _xsrf_ok():
        return error(403, "XSRF check failed")
    with site().state.lock:
        found = _find(attachment_id)
        if found is None:
            return _no_page(attachment_id)
        page, att = found
        stored = _store_upload(page, att)
        if isinstance(stored, Response):
            return stored
        return jsonify(attachment_v1(page, stored))


@blueprint_v2.get("/api/v2/pages/<page_id>/attachments")
def attachments_v2(page_id: str) -> Response:
    page = pages.page(page_id)
    if page is None:
        return error(404, "Page not found")
    return cursor_page(page.attachments, lambda a: attachment_v2(page, a))


@blueprint.get("/download/attachments/<page_id>/<path:filename>")
def download(page_id: str, filename: str) -> Response:
    page = pages.page(page_id)
    att = next((a for a in page.attachments if a.title == filename), None) if page else None
    if att is None:
        return error(404, "Attachment not found")
    return Response(att.data, mimetype=att.media_type)

"""Page labels: v1 ``content/{id}/label`` (list, add, remove) and Cloud's v2 ``pages/{id}/labels``.

A name is taken as Confluence's own label code takes it (``LabelUtil``, ``LabelParser``): split at spaces and
commas into several labels, each lower-cased; a label with any other whitespace or any of ``: ; , . ? & [ ] ( ) #
^ * @ ! < >``, or longer than 255 characters, refuses the whole request with 400.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from . import confluence_state as pages
from .confluence_content import not_found
from .confluence_json import label_v2, labels_v1
from .confluence_paging import cursor_page
from .responses import error, site

blueprint = Blueprint("confluence_labels", __name__)  # under the context path
blueprint_v2 = Blueprint("confluence_labels_v2", __name__)  # Cloud only, under /wiki
DELIMITERS = re.compile(r"[ ,]+")
INVALID = frozenset(":;,.?&[]()#^*@!<>")
MAX_LABEL = 255


def _names(items: list[object]) -> list[str] | Response:
    """The labels a request adds, or Confluence's 400 for the first it refuses."""
    names: list[str] = []
    for item in items:
        raw = str((item if isinstance(item, dict) else {}).get("name") or "")
        for name in DELIMITERS.split(raw.strip(" ,")):
            if not name:
                continue
            if any(char in INVALID or char.isspace() for char in name):
                return error(400, f"Label '{name}' contains invalid characters: a label cannot contain whitespace "
                                  f"or any of {' '.join(sorted(INVALID))}")
            if len(name) > MAX_LABEL:
                return error(400, f"Label '{name[:40]}…' is longer than {MAX_LABEL} characters")
            names.append(name.lower())
    return names


@blueprint.get("/rest/api/content/<page_id>/label")
def labels(page_id: str) -> Response:
    found = pages.page(page_id)
    return jsonify(labels_v1(found)) if found else not_found(page_id)


@blueprint.post("/rest/api/content/<page_id>/label")
def add_labels(page_id: str) -> Response:
    items = request.get_json(silent=True)
    items = items if isinstance(items, list) else [items] if isinstance(items, dict) else []
    names = _names(items)
    if isinstance(names, Response):
        return names
    with site().state.lock:
        found = pages.page(page_id)
        if found is None:
            return not_found(page_id)
        added = 0
        for name in names:
            if name not in found.labels:
                found.labels.append(name)
                added += 1
        if added:
            site().changed()
            site().stats.write("label", added)
        return jsonify(labels_v1(found))


@blueprint.delete("/rest/api/content/<page_id>/label/<label>")
def remove_label(page_id: str, label: str) -> Response:
    with site().state.lock:
        found = pages.page(page_id)
        if found is None or label not in found.labels:
            return error(404, f"Label {label} not found")
        found.labels.remove(label)
        site().changed()
        site().stats.write("label")
    return Response(status=204)


@blueprint_v2.get("/api/v2/pages/<page_id>/labels")
def labels_v2(page_id: str) -> Response:
    found = pages.page(page_id)
    return cursor_page(found.labels, label_v2) if found else error(404, "Page not found")

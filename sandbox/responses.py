"""What every route of the sandbox shares: the site behind the request, the request's route in Atlassian's
``{name}`` style, and errors in the shape of the product the path belongs to (Jira, Confluence v1, v2)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, jsonify, request

from .site import Site

CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_]+)>")


def route_template() -> str:
    """``"METHOD /route/template"`` of the current request, in Atlassian's ``{name}`` style."""
    rule = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    template = CONVERTER.sub(lambda m: "{" + m.group(1) + "}", rule)
    return f"{request.method} {template}"


def site() -> Site:
    return g.site


def is_confluence() -> bool:
    """The request is for Confluence: under /wiki (Cloud) or /confluence (the sandbox's Data Center)."""
    return request.path.startswith(("/wiki/", "/confluence/"))


def is_confluence_v2() -> bool:
    return request.path.startswith("/wiki/api/v2/")


def error(status: int, message: str, **errors: str) -> Response:
    """An error in the shape of the product the path belongs to."""
    if is_confluence_v2():
        body: dict[str, Any] = {"errors": [{"status": status, "code": _code(status), "title": message,
                                            "detail": None}]}
    elif is_confluence():
        body = {"statusCode": status, "data": {"authorized": status not in (401, 403), "valid": status != 400,
                                               "errors": [], "successful": False}, "message": message}
    else:
        body = {"errorMessages": [message] if message else [], "errors": dict(errors)}
    response = jsonify(body)
    response.status_code = status
    return response


def _code(status: int) -> str:
    return {400: "INVALID_REQUEST_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
            409: "CONFLICT", 413: "REQUEST_ENTITY_TOO_LARGE"}.get(status, "ERROR")

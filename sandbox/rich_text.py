"""Rich text as a client writes it: on Cloud v3 an ADF document (checked as Jira checks it, see
:mod:`sandbox.adf_check`), on v2 and Data Center a wiki-markup string. Either way the sandbox stores text."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response

from . import adf_check
from .adf_text import to_text
from .responses import error

log = logging.getLogger(__name__)
# What Jira answers when a v3 rich-text value is not a document at all (a plain string, say): for a comment
# body (pchuri/jira-cli#38, lesstif/php-jira-rest-client#412, AtlassianPS/JiraPS#666), and for any other field
# (lesstif/php-jira-rest-client#280, andygrunwald/go-jira#741).
NOT_A_COMMENT = "Comment body is not valid!"
NOT_A_DOCUMENT = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"


def invalid_input(why: str) -> Response:
    """Jira Cloud's 400 for a document that fails its schema: ``INVALID_INPUT`` and nothing else (the sandbox
    adds the reason in a header of its own)."""
    log.info("refused an ADF body: %s", why)
    response = error(400, "INVALID_INPUT")
    response.headers["X-Sandbox-Adf-Problem"] = why
    return response


def read(version: str, value: Any, field: str) -> str | Response:
    """The text of a rich-text value written through API ``version``, or Jira's 400."""
    if value is None:
        return ""
    if version == "3":
        if not isinstance(value, dict):
            return error(400, "", **{field: NOT_A_COMMENT if field == "comment" else NOT_A_DOCUMENT})
        why = adf_check.problem(value)
        if why is not None:
            return invalid_input(why)
        return to_text(value)
    if not isinstance(value, str):
        return error(400, "", **{field: "Operation value must be a string"})
    return value

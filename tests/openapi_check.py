"""Check sandbox responses against Atlassian's published OpenAPI descriptions (tests/fixtures/openapi).

Documented adjustments make the descriptions match what Atlassian really sends (see the real payloads in
tests/fixtures/jira-webhooks): every schema is nullable (Jira sends ``"duedate": null`` where the
description says string); date-times may carry an ISO 8601 basic offset (``+0000``), Jira's own form; and
where a description contradicts its own example, :data:`CORRECTIONS` follows the example. A 204 carries no
body (HTTP forbids one), so for a 204 the check is that the operation documents a 204.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

SPECS = Path(__file__).parent / "fixtures" / "openapi"
JIRA = "jira-platform-v3.swagger-v3.v3.json"
CONFLUENCE_V1 = "confluence-cloud-v1.swagger.v3.json"
CONFLUENCE_V2 = "confluence-cloud-v2.openapi-v2.v3.json"


def _nullable(node: Any) -> None:
    if isinstance(node, dict):
        if "type" in node or ("$ref" not in node and ("properties" in node or "items" in node)):
            node["nullable"] = True
        for value in node.values():
            _nullable(value)
    elif isinstance(node, list):
        for value in node:
            _nullable(value)


def _jira_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00"))
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _operation(name: str, request: RequestsOpenAPIRequest) -> dict[str, Any]:
    paths = _raw(name)["paths"]
    prefix = "/wiki/api/v2" if name == CONFLUENCE_V2 else ""
    actual = request.path.removeprefix(prefix).split("/")
    for template, operations in paths.items():
        parts = template.split("/")
        same_shape = len(parts) == len(actual) and all(
            p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True))
        if same_shape and request.method.lower() in operations:
            return operations[request.method.lower()]
    raise AssertionError(f"{request.method.upper()} {request.path} is not a documented operation")


# (spec, path, method, status) -> schema. Each one: the description's own example says otherwise.
CORRECTIONS: dict[tuple[str, str, str, str], dict[str, Any]] = {
    # The example of GET remotelink is an array of links; the schema says a single RemoteIssueLink.
    (JIRA, "/rest/api/3/issue/{issueIdOrKey}/remotelink", "get", "200"): {
        "type": "array", "items": {"$ref": "#/components/schemas/RemoteIssueLink"}},
}


@functools.cache
def _raw(name: str) -> dict[str, Any]:
    data = json.loads((SPECS / name).read_text(encoding="utf-8"))
    for (spec_name, path, method, status), schema in CORRECTIONS.items():
        if spec_name == name:
            content = data["paths"][path][method]["responses"][status]["content"]["application/json"]
            example = json.loads(content["example"])
            assert isinstance(example, list) == (schema["type"] == "array"), "correction no longer needed"
            content["schema"] = schema
    _nullable(data.get("components", {}))
    _nullable(data.get("paths", {}))
    return data


@functools.cache
def spec(name: str, base_url: str) -> OpenAPI:
    data = copy.copy(_raw(name))
    prefix = "/wiki/api/v2" if name == CONFLUENCE_V2 else ""
    data["servers"] = [{"url": f"{base_url}{prefix}"}]
    config = Config(spec_validator_cls=None, extra_format_validators={"date-time": _jira_datetime})
    return OpenAPI.from_dict(data, config=config)


def check(name: str, base_url: str, response: requests.Response) -> None:
    """Raise when ``response`` contradicts the description of its operation."""
    if response.status_code == 204:
        assert not response.content, "a 204 must not carry a body"
        request = RequestsOpenAPIRequest(response.request)
        operation = _operation(name, request)
        assert "204" in operation["responses"], f"{request.method.upper()} {request.path} documents no 204"
        return
    openapi = spec(name, base_url)
    openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))

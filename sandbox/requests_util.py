"""Small helpers to read Jira-style request parameters from query strings and JSON bodies."""

from __future__ import annotations

from typing import Any

from flask import request


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def param(name: str, default: Any = None) -> Any:
    """A parameter from the JSON body of a POST, else the query string."""
    if request.method == "POST" and request.is_json:
        data = body()
        if name in data:
            return data[name]
    return request.args.get(name, default)


def param_list(name: str) -> list[str] | None:
    """A list parameter: repeated (``fields=a&fields=b``), comma-separated, or a JSON list."""
    if request.method == "POST" and request.is_json and name in body():
        value = body()[name]
        items = value if isinstance(value, list) else [value]
    else:
        items = request.args.getlist(name)
        if not items:
            return None
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def int_param(name: str, default: int, minimum: int = 0) -> int:
    value = param(name, default)
    try:
        return max(int(value), minimum)
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a number") from None

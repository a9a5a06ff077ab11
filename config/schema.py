"""The JSON Schema of the configuration, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json
from typing import Any

from .models import Settings

SCHEMA_ID = "https://pmokit.dev/schema/config.json"


def json_schema() -> dict[str, Any]:
    schema = Settings.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "pmokit configuration"
    # Files may include others; the loader removes the key before validating the merged document.
    schema["properties"]["include"] = {
        "description": "Files or directories to combine with this one, relative to this file",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    }
    # Included files carry only some sections, so editors must not demand the required ones.
    schema.pop("required", None)
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

"""The building blocks of every configuration object: frozen models with unknown keys refused, names in two
languages, URLs, cron expressions and project keys checked where they are read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, model_validator

from .secrets import MissingSecretError, expand


class Frozen(BaseModel):
    """Base for every configuration object: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=False)


def _check_url(value: str, info: ValidationInfo) -> str:
    """An http(s) URL; ``${ENV_VAR}``, ``${ENV_VAR:-default}`` and ``${file:PATH}`` inside it are read now (a URL
    is no secret, and every command that talks to the site needs it)."""
    if "${" in value:
        base = (info.context or {}).get("base_dir")
        try:
            value = expand(value, Path(base) if base else None, secret=False)
        except MissingSecretError as exc:
            raise ValueError(f"{exc} (a reference in this URL)") from None
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _check_cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(f"not a valid cron expression ('minute hour day month weekday'): {exc}") from None
    return value


Url = Annotated[str, AfterValidator(_check_url)]
Cron = Annotated[str, AfterValidator(_check_cron)]
ProjectKey = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,9}$",
                                  description="A Jira project key, e.g. SHOP")]


class Text(Frozen):
    """A name shown to people: English, with an optional Simplified Chinese form."""

    en: str
    zh: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: object) -> object:
        return {"en": value} if isinstance(value, str) else value

    def get(self, language: str) -> str:
        return (self.zh or self.en) if language == "zh" else self.en

    def __str__(self) -> str:
        return f"{self.en} ({self.zh})" if self.zh else self.en


LocalText = Annotated[Text, WithJsonSchema({
    "description": "A name: plain text, or {en: ..., zh: ...} for both languages",
    "anyOf": [
        {"type": "string"},
        {"type": "object", "additionalProperties": False, "required": ["en"],
         "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}},
    ],
})]

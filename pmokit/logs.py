"""Logging for every pmokit command: text or JSON lines, and secrets never written."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from config.secrets import revealed_values

REDACTED = "***"


class RedactSecrets(logging.Filter):
    """Replaces every secret value pmokit has revealed with ``***`` in the final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not revealed_values():
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def redact(text: str) -> str:
    # Longest first, so a short secret inside a longer one cannot leave part of the longer one readable.
    for secret in sorted(revealed_values(), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key.startswith("pmokit_"):
                entry[key.removeprefix("pmokit_")] = value
        if record.exc_text:
            entry["error"] = record.exc_text
        elif record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(verbosity: int = 0, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Set up the root logger once per process; later calls replace the handler."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_pmokit", False)]:
        root.removeHandler(old)
    handler._pmokit = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter only when asked for debug output.
    for noisy in ("urllib3", "alembic", "apscheduler", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else
                                          logging.INFO if verbosity == 2 else logging.WARNING)

"""Writing ``pmokit init``'s files without clobbering anyone's edits.

Beside the files it writes, init keeps ``.pmokit-init.json``: the SHA-256 of each file as it wrote it. Run again,
it writes a file only when the file is new, or still exactly what init wrote last time; a file edited since (or
one init never wrote, such as an existing ``pmokit.yaml``) is left as it is and named, unless ``force``. The record
keeps the hash init last wrote for a file it left alone, so the file stays "edited" on every later run until it is
overwritten with ``--force`` or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

RECORD = ".pmokit-init.json"


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # file name -> why it was left alone


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_record(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def plan(directory: Path, files: Mapping[str, str], *, force: bool) -> Outcome:
    """What writing ``files`` into ``directory`` would do (nothing is written)."""
    record, outcome = read_record(directory), Outcome()
    for name, text in files.items():
        path = directory / name
        if not path.exists():
            outcome.written.append(name)
            continue
        try:
            current = digest(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            current = None
        if current == digest(text):
            outcome.unchanged.append(name)
        elif force or (current is not None and record.get(name) == current):
            outcome.written.append(name)
        elif name in record:
            outcome.kept[name] = "edited since pmokit init wrote it"
        else:
            outcome.kept[name] = "not written by pmokit init"
    return outcome


def write(directory: Path, files: Mapping[str, str], outcome: Outcome) -> None:
    """Write what :func:`plan` said, each file whole or not at all, and the record beside them."""
    directory.mkdir(parents=True, exist_ok=True)
    record = read_record(directory)
    for name in outcome.written:
        _replace(directory / name, files[name])
        record[name] = digest(files[name])
    for name in outcome.unchanged:
        record[name] = digest(files[name])
    _replace(directory / RECORD, json.dumps({"written_by": "pmokit init", "files": dict(sorted(record.items()))},
                                            indent=2) + "\n")


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

"""What the configuration loader will read: which files, how large, how deeply nested, how far aliases expand.

The PMO's YAML may come from a repository many people write to, and pmokit may run where it can read more than
its own files. So a configuration reads files inside its own directory tree only (and directories named in
``PMOKIT_CONFIG_ALLOW``), regular files only, up to a size; a document may not nest deeper, or expand through
anchors and aliases to more values, than a standard ever needs. Each limit breached is one located problem.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALLOW_ENV = "PMOKIT_CONFIG_ALLOW"


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 1024 * 1024  # one file; the example standard is 13 kB in all
    total_bytes: int = 8 * 1024 * 1024  # every file of one configuration together
    files: int = 500
    values: int = 100_000  # scalars, lists and mappings of one document, aliases expanded
    depth: int = 40  # nesting of lists and mappings
    secret_bytes: int = 64 * 1024


LIMITS = Limits()


class LimitExceeded(Exception):
    """A limit breached, with the node (or mark) that breached it."""

    def __init__(self, message: str, mark: Any = None):  # a yaml.Mark: yaml itself is not imported here
        super().__init__(message)
        self.message, self.mark = message, mark


def allowed_roots(extra: Iterable[Path] = ()) -> list[Path]:
    """Directories outside the configuration's own tree that it may read, from ``PMOKIT_CONFIG_ALLOW``."""
    roots = [Path(p) for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p.strip()]
    return [root.expanduser().resolve() for root in (*extra, *roots)]


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path`` (symbolic links followed) lies in one of ``roots``."""
    resolved = path.expanduser().resolve()
    return any(resolved == root or resolved.is_relative_to(root) for root in roots)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raises :class:`LimitExceeded` or ``OSError``."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise LimitExceeded("not a regular file: only files are read (not devices, pipes or sockets)")
    if info.st_size > limit:
        raise LimitExceeded(f"the file is {info.st_size:,} bytes; at most {limit:,} are read")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)  # a file may grow while it is read
    if len(data) > limit:
        raise LimitExceeded(f"the file is over {limit:,} bytes; at most {limit:,} are read")
    return data

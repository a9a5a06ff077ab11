"""Merged plain data of the configuration files, with the file, line and column of every YAML path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .problems import Location, Path

# Key locations are kept beside value locations, under the path with this marker appended.
KEY = "\0key"


@dataclass
class Source:
    """Merged plain data of one or more files, with a location for every path."""

    data: dict[str, Any] = field(default_factory=dict)
    locations: dict[Path, Location] = field(default_factory=dict)
    files: list[FsPath] = field(default_factory=list)

    def locate(self, path: Path) -> Location | None:
        """Where the value at ``path`` starts, or its nearest ancestor's value."""
        path = tuple(path)
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return None
            path = path[:-1]

    def locate_key(self, path: Path) -> Location | None:
        """Where the key of ``path`` is written (list items: the item), else as :meth:`locate`."""
        return self.locations.get((*path, KEY)) or self.locate(path)

    def base_dir(self) -> FsPath:
        return self.files[0].parent if self.files else FsPath.cwd()

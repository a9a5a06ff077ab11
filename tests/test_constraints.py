"""``constraints.txt`` holds the versions CI tested: every distribution pmokit and its tests need (the libraries
of the libraries too) is pinned there at the version this environment runs (docs/install.md)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CONSTRAINTS = Path(__file__).resolve().parent.parent / "constraints.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;#]+)$")


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate(CONSTRAINTS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line.strip())
        assert match, f"constraints.txt:{number}: {line!r} is not NAME==VERSION"
        name = canonicalize_name(match["name"])
        assert name not in found, f"constraints.txt:{number}: {match['name']} is pinned twice"
        found[name] = match["version"]
    return found


def needed(root: str, extras: set[str]) -> dict[str, str]:
    """Every installed distribution ``root[extras]`` requires, directly or not, under this platform's markers:
    canonical name -> installed version."""
    seen: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        dist = metadata.distribution(name)
        for text in dist.requires or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker and not any(marker.evaluate({**default_environment(), "extra": e}) for e in wanted | {""}):
                continue
            key = canonicalize_name(requirement.name)
            first = key not in seen
            seen.setdefault(key, metadata.version(requirement.name))
            if first or requirement.extras:
                todo.append((requirement.name, set(requirement.extras)))
    return seen


def test_every_distribution_pmokit_and_its_tests_need_is_pinned_at_the_installed_version():
    pinned = pins()
    required = needed("pmokit", {"dev", "postgres"})
    assert len(required) > 40  # the walk found the libraries of the libraries, not only pyproject's list
    missing = sorted(f"{name}=={version}" for name, version in required.items() if name not in pinned)
    assert not missing, f"not in constraints.txt (add, or run .ci/refresh-constraints): {', '.join(missing)}"
    moved = sorted(f"{name}: pinned {pinned[name]}, installed {version}" for name, version in required.items()
                   if pinned[name] != version)
    assert not moved, f"constraints.txt differs from this environment: {'; '.join(moved)}"


def test_the_pins_are_sorted_and_name_no_local_path():
    lines = [line for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines == sorted(lines, key=str.upper)  # as .ci/refresh-constraints writes them (sort -f)
    assert "pmokit" not in pins()
    assert "file:" not in CONSTRAINTS.read_text(encoding="utf-8")

"""Read YAML into plain data while remembering where every node came from.

PyYAML's composer gives nodes with start marks; we build plain Python data from them and a map from
each YAML path to its file, line and column, so that any later check can point at the line.
Files can be combined with ``include:`` (files or directories, relative to the including file), inside the
configuration's own directory tree (see :mod:`config.limits` for what else is read, and how much).
"""

from __future__ import annotations

import contextlib
from pathlib import Path as FsPath
from typing import Any

import yaml

from .limits import ALLOW_ENV, LIMITS, LimitExceeded, Limits, allowed_roots, inside, read_bounded
from .problems import Location, Path, Problem, shown_name
from .source import KEY, Source

YAML_SUFFIXES = (".yaml", ".yml")


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that rejects duplicate keys instead of silently keeping the last one."""


def _node_to_data(node: yaml.Node, path: Path, file: str, locations: dict[Path, Location],
                  problems: list[Problem], loader: _StrictLoader) -> Any:
    where = _location(node, file)
    if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"'):
        where = Location(file, where.line, where.column + 1)  # the text, not its opening quote
    locations.setdefault(path, where)
    if isinstance(node, yaml.MappingNode):
        # Keys written in this mapping; keys brought in by a merge (`<<: *anchor`) may be overridden by them.
        explicit = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(Problem(_location(key_node, file), path, "mapping keys must be plain text"))
                continue
            key = str(key)
            child = (*path, key)
            if id(key_node) not in explicit:
                merged.add(key)
            elif key in merged:
                merged.discard(key)
                for stale in [p for p in locations if p[: len(child)] == child]:
                    del locations[stale]
                result.pop(key)
            if key in result:
                first = locations[(*child, KEY)].line
                problems.append(Problem(_location(key_node, file), child,
                                        f"duplicate key '{shown_name(key)}' (first at line {first})"))
                continue
            locations[(*child, KEY)] = _location(key_node, file)
            result[key] = _node_to_data(value_node, child, file, locations, problems, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_node_to_data(item, (*path, i), file, locations, problems, loader)
                for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _location(node: yaml.Node, file: str) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def load_file(path: FsPath, display: str | None = None, limits: Limits = LIMITS,
              ) -> tuple[Any, dict[Path, Location], list[Problem]]:
    """Parse one YAML file into plain data, its locations and any problems found."""
    name = display or str(path)
    try:
        text = read_bounded(path, limits.file_bytes).decode("utf-8")
    except FileNotFoundError:
        return None, {}, [Problem(Location(name, 1, 1), (), "file not found")]
    except LimitExceeded as exc:
        return None, {}, [Problem(Location(name, 1, 1), (), exc.message)]
    except UnicodeDecodeError as exc:
        return None, {}, [Problem(Location(name, 1, 1), (), f"not UTF-8 text (byte {exc.start + 1} cannot be read)")]
    except OSError as exc:
        return None, {}, [Problem(Location(name, 1, 1), (), f"cannot read file: {exc.strerror or 'error'}")]
    loader = _StrictLoader(text)
    problems: list[Problem] = []
    locations: dict[Path, Location] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {(): Location(name, 1, 1)}, []
        check_document(node, limits)
        data = _node_to_data(node, (), name, locations, problems, loader)
    except LimitExceeded as exc:
        return None, {}, [Problem(_mark_location(exc.mark, name), (), exc.message)]
    except RecursionError:
        # PyYAML composes nested nodes recursively: nesting in the thousands ends here, not in a traceback.
        return None, {}, [Problem(_mark_location(loader.get_mark(), name), (),
                                  f"lists and mappings nest over {limits.depth} levels deep here")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # The problem and its context only: the exception's text quotes the file's lines, which may be
        # anything (an included file is not always pmokit's).
        message = exc.problem or exc.__class__.__name__
        if exc.context:
            message = f"{exc.context}; {message}"
        return None, {}, [Problem(_mark_location(mark, name), (), f"YAML syntax error: {message}")]
    except yaml.YAMLError as exc:
        return None, {}, [Problem(Location(name, 1, 1), (), f"YAML error: {exc.__class__.__name__}")]
    finally:
        loader.dispose()
    return data, locations, problems


def _mark_location(mark: yaml.Mark | None, file: str) -> Location:
    return Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)


def expand_paths(paths: list[FsPath]) -> list[FsPath]:
    """Files named, and the YAML files of directories named, in a stable order."""
    out: list[FsPath] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix in YAML_SUFFIXES and f.is_file()))
        else:
            out.append(p)
    return out


def config_roots(paths: list[FsPath]) -> list[FsPath]:
    """The directory trees a configuration may read: those of the paths it was given (a file's directory, a
    directory itself), and those named in ``PMOKIT_CONFIG_ALLOW``."""
    own = [(p if p.is_dir() else p.parent) for p in paths]
    return allowed_roots(own)


def load_sources(paths: list[FsPath], limits: Limits = LIMITS) -> tuple[Source, list[Problem]]:
    """Load and merge the given files (and directories), following ``include:`` lists inside the
    configuration's directory tree."""
    source = Source()
    problems: list[Problem] = []
    seen: set[FsPath] = set()
    roots = config_roots(paths)
    budget = {"bytes": limits.total_bytes, "files": limits.files}

    def visit(file: FsPath, where: Location | None = None) -> None:
        resolved = file.resolve()
        if resolved in seen:
            return
        seen.add(resolved)
        budget["files"] -= 1
        if budget["files"] < 0:
            if budget["files"] == -1:
                problems.append(Problem(where or Location(_display(file), 1, 1), (),
                                        f"a configuration may read at most {limits.files} files"))
            return
        size = 0
        with contextlib.suppress(OSError):
            size = file.stat().st_size if file.is_file() else 0
        budget["bytes"] -= size if size <= limits.file_bytes else 0  # a file over its own limit says so itself
        if budget["bytes"] < 0:
            problems.append(Problem(where or Location(_display(file), 1, 1), (),
                                    f"the configuration's files are over {limits.total_bytes:,} bytes together"))
            return
        data, locations, file_problems = load_file(file, _display(file), limits)
        problems.extend(file_problems)
        if data is None:
            return
        if not isinstance(data, dict):
            problems.append(Problem(locations.get(()), (), "the top level must be a mapping of sections"))
            return
        source.files.append(file)
        includes = data.pop("include", None)
        if includes is not None:
            items = [includes] if isinstance(includes, str) else includes
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                problems.append(Problem(locations.get(("include", KEY)), ("include",),
                                        "include must be a file or directory path or a list of them"))
                items = []
        _merge(source.data, source.locations, data, locations, (), problems)
        for index, item in enumerate(items if includes is not None else []):
            target = (file.parent / item)
            where = locations.get(("include", index), locations.get(("include", KEY)))
            if not inside(target, roots):
                problems.append(Problem(where, ("include", index),
                                        f"included path {item} is outside the configuration's directory; "
                                        f"name its directory in {ALLOW_ENV} to allow it"))
                continue
            if not target.exists():
                problems.append(Problem(where, ("include", index), f"included path not found: {item}"))
                continue
            for included in expand_paths([target]):
                visit(included, where)

    for file in expand_paths(paths):
        visit(file)
    return source, problems


def _display(file: FsPath) -> str:
    try:
        return str(file.resolve().relative_to(FsPath.cwd()))
    except ValueError:
        return str(file)


def _merge(into: dict[str, Any], into_locs: dict[Path, Location], new: dict[str, Any],
           new_locs: dict[Path, Location], base: Path, problems: list[Problem]) -> None:
    """Merge ``new`` into ``into``: mappings merge key by key, lists concatenate, scalars may not clash."""
    for path in (base, (*base, KEY)):
        if path in new_locs:
            into_locs.setdefault(path, new_locs[path])
    for key, value in new.items():
        path = (*base, key)
        if key not in into:
            into[key] = value
            for p, loc in new_locs.items():
                if p[: len(path)] == path:
                    into_locs[p] = loc
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], into_locs, value, new_locs, path, problems)
        elif isinstance(into[key], list) and isinstance(value, list):
            offset = len(into[key])
            into[key].extend(value)
            for p, loc in new_locs.items():
                index = p[len(path)] if p[: len(path)] == path and len(p) > len(path) else None
                if isinstance(index, int):
                    into_locs[(*path, index + offset, *p[len(path) + 1:])] = loc
        else:
            first = into_locs.get((*path, KEY))
            problems.append(Problem(new_locs.get((*path, KEY)), path,
                                    f"'{shown_name(key)}' is already set" + (f" at {first}" if first else "")
                                    + "; combined files may not set the same value twice"))


def check_document(root: yaml.Node, limits: Limits = LIMITS) -> None:
    """Raise :class:`LimitExceeded` if ``root`` nests deeper than allowed, refers to itself through an alias,
    or expands through aliases to more values than allowed. Iterative and memoised by node: an alias bomb is
    measured without being expanded."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids if not isinstance(k, yaml.ScalarNode)), default=0)
            if size[key] > limits.values:
                raise LimitExceeded(f"this expands to over {limits.values:,} values (through anchors and aliases "
                                    f"used many times?); a configuration needs far fewer", node.start_mark)
            if depth[key] > limits.depth:
                raise LimitExceeded(f"lists and mappings nest over {limits.depth} levels deep here",
                                    node.start_mark)
            continue
        if key in size:
            continue
        if key in on_path:
            raise LimitExceeded("an anchor is used inside itself (an alias refers to the value that holds it)",
                                node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            size[key], depth[key] = 1, 0
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []

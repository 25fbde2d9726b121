"""Safe YAML loading that remembers the line of every key, for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import SweepError

MAX_NODES = 200_000  # distinct nodes in the file
MAX_EXPANDED = 1_000_000  # values once every alias is expanded
MAX_DEPTH = 100  # levels of mappings and lists: deeper is no config, and would exhaust Python's recursion later
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep (a config is a few levels of mappings and lists)"

KeyPath = tuple[str, ...]


@dataclass
class LoadedYaml:
    """The data of a YAML document and the 1-based line of each key path in it."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path`` or of its nearest ancestor the file names."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


class SweepLoader(yaml.SafeLoader):
    """PyYAML's safe loader, reading exponent numbers as YAML 1.2 does: ``9e-6`` and ``1e3`` are floats.

    (YAML 1.1, which PyYAML follows, needs a dot and a signed exponent: ``9.0e-6``.)
    """


SweepLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def load_yaml(text: str, filename: str) -> LoadedYaml:
    """Parse one YAML document with the safe loader; errors name file and line."""
    loader = SweepLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None)
        lines: dict[KeyPath, int] = {}
        _record_lines(node, (), lines, set(), filename)
        _expanded_size(node, {}, set())
        return LoadedYaml(loader.construct_document(node), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise SweepError(f"invalid YAML: {problem}", file=filename, line=line) from None
    except RecursionError:
        raise SweepError(f"invalid YAML: {TOO_DEEP}", file=filename) from None
    except yaml.YAMLError as exc:
        raise SweepError(f"invalid YAML: {exc}", file=filename) from None
    finally:
        loader.dispose()


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], seen: set[int], filename: str) -> None:
    """Map key paths to lines and refuse duplicate keys.

    Each node is visited once, so alias bombs stay cheap.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if len(path) > MAX_DEPTH:
        raise SweepError(f"invalid YAML: {TOO_DEEP}", file=filename, line=node.start_mark.line + 1)
    if len(seen) > MAX_NODES:
        raise yaml.YAMLError(f"more than {MAX_NODES} nodes (an alias bomb?)")
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key_node, value_node in node.value:
            key = path + (str(key_node.value),)
            line = key_node.start_mark.line + 1
            if key[-1] in keys:
                raise SweepError(
                    f"duplicate key (first on line {lines[key]})", key=".".join(key), file=filename, line=line
                )
            keys.add(key[-1])
            lines[key] = line
            _record_lines(value_node, key, lines, seen, filename)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = path + (str(index),)
            lines.setdefault(key, item.start_mark.line + 1)
            _record_lines(item, key, lines, seen, filename)


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` stands for with aliases expanded; refuses bombs and cycles.

    Memoised per node, so an alias bomb is measured in linear time instead
    of being expanded (later by a deep copy or a JSON dump).
    """
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise yaml.YAMLError("a recursive anchor (an alias inside the node it names)")
    open_nodes.add(key)
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        children = []
    size = 1 + sum(_expanded_size(child, sizes, open_nodes) for child in children)
    open_nodes.discard(key)
    if size > MAX_EXPANDED:
        raise yaml.YAMLError(f"expands to more than {MAX_EXPANDED} values through aliases (an alias bomb?)")
    sizes[key] = size
    return size


def too_deep(data: Any) -> bool:
    """Whether ``data`` (parsed JSON) nests more than `MAX_DEPTH` levels of mappings and lists."""
    level: list[Any] = [data]
    for _ in range(MAX_DEPTH + 1):
        level = [child for value in level for child in _children(value)]
        if not level:
            return False
    return True


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else []

"""Nested configs: dotted-path access, deep merge, and loading a base file.

A dotted path names a place in a nested config: ``training.lr`` is a dict key
inside a dict, ``layers.1.units`` goes through the list ``layers`` at index 1.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import SweepError, not_utf8


def split_path(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        raise SweepError(f"{path!r} is not a dotted path (empty component)")
    return parts


def _is_index(part: str) -> bool:
    return part.isascii() and part.isdigit()


def set_path(config: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``config`` in place, creating missing dict keys.

    An index past the end of a list, or a path that runs through a scalar,
    is an error naming the path: silently growing a list would hide typos.
    """
    parts = split_path(path)
    node: Any = config
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not _is_index(part) or int(part) >= len(node):
                raise SweepError(f"{where}: no index {part} in a list of {len(node)} items")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            parent = ".".join(parts[:depth])
            raise SweepError(f"{where}: {parent} is {node!r}, not a mapping or list")


def get_path(config: Mapping[str, Any], path: str) -> Any:
    """Read ``path`` from ``config`` (a flat dotted key first, see `inner_paths`); KeyError if not there."""
    if path in config:
        return config[path]
    node: Any = config
    for part in split_path(path):
        if isinstance(node, list) and _is_index(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            raise KeyError(path)
    return node


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: ``override`` merged into ``base``; mappings merge, all else replaces.

    Keys of ``override`` may be dotted paths (``training.lr: 0.1``).
    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if "." in str(key):
            set_path(merged, str(key), copy.deepcopy(value))
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def inner_paths(paths: Iterable[str]) -> set[str]:
    """The paths that lie inside another one: ``optimizer.lr`` beside ``optimizer``.

    A value of the outer parameter would replace the inner one, so (as W&B
    does for its command trials) the inner one stays a flat dotted key.
    Experiments refuse such pairs at collection.
    """
    paths = list(paths)
    return {path for path in paths if any(path.startswith(other + ".") for other in paths)}


def with_params(config: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with every dotted parameter set (`inner_paths` as flat keys)."""
    merged = copy.deepcopy(dict(config))
    flat = inner_paths(params)
    for path, value in params.items():
        if path in flat:
            merged[path] = value
        else:
            set_path(merged, path, value)
    return merged


def overlay(config: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """What `with_params` gives, copying only the containers on the parameters' paths.

    Cheap, but it shares the untouched parts with ``config``: for reading
    (hashing) only, never for handing to an experiment.
    """
    root = dict(config)
    copied = {id(root)}
    flat = inner_paths(params)
    for path, value in params.items():
        if path in flat:
            root[path] = value
            continue
        node: Any = root
        *parents, last = split_path(path)
        for part in parents:
            key: Any = int(part) if isinstance(node, list) else part
            child = node[key] if isinstance(node, list) or key in node else {}
            if id(child) not in copied:
                child = child.copy()
                copied.add(id(child))
            node[key] = child
            node = child
        node[int(last) if isinstance(node, list) else last] = value
    return root


def flatten(config: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted path, leaf value)`` pairs; the inverse of `set_path` over leaves."""
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten(value, f"{path}.")
        else:
            yield path, value


def load_config_file(path: Path) -> dict[str, Any]:
    """Load a YAML or JSON base config (JSON is YAML, but its errors read better)."""
    from .yamlio import TOO_DEEP, load_yaml, too_deep

    if not path.is_file():
        raise SweepError(f"base config {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SweepError(f"base config {path} is not UTF-8 text ({not_utf8(exc)}): save it as UTF-8") from None
    except OSError as exc:
        raise SweepError(f"cannot read base config {path}: {exc.strerror or exc}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SweepError(f"{path}: invalid JSON: {exc}") from None
        except RecursionError:
            raise SweepError(f"{path}: invalid JSON: {TOO_DEEP}") from None
        if too_deep(data):
            raise SweepError(f"{path}: invalid JSON: {TOO_DEEP}")
    else:
        try:
            data = load_yaml(text, str(path)).data
        except SweepError as exc:  # the sweep file's line is the one shown: name the base file's own
            raise SweepError(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SweepError(f"base config {path} must hold a mapping, not {type(data).__name__}")
    return data

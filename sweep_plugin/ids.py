"""Readable, unique, stable trial ids: ``lr:0.01-hidden:32-seed:0``.

An id depends only on the trial's parameters and its position among equal
ones, never on hashes or the machine, so ``--lf``, ``-k`` and CI history
find the same trial again. ``:`` joins name and value because pytest's
``-k`` grammar refuses ``=``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_UNSAFE = re.compile(r"[^\w.+/-]+")


def short_names(paths: Sequence[str]) -> dict[str, str]:
    """Each path's last component where that is unique among ``paths``, else the full path."""
    last = Counter(path.rsplit(".", 1)[-1] for path in paths)
    return {path: path.rsplit(".", 1)[-1] if last[path.rsplit(".", 1)[-1]] == 1 else path for path in paths}


def format_value(value: Any, precise: bool = False) -> str:
    """A value as it reads in an id: short floats, and no characters ``-k`` refuses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return repr(value) if precise else f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "_".join(format_value(item, precise) for item in value) or "empty"
    if isinstance(value, Mapping):
        return "_".join(f"{_safe(key)}_{format_value(item, precise)}" for key, item in value.items()) or "empty"
    return _safe(value)


def _safe(text: object) -> str:
    return _UNSAFE.sub("_", str(text)) or "empty"


def trial_ids(points: Sequence[Mapping[str, Any]], paths: Sequence[str]) -> list[str]:
    """Ids for ``points``, naming only ``paths`` (the parameters that vary).

    Two points that format alike get full float precision; true duplicates
    (a categorical drawn twice) get ``-dup:N``, so no trial is ever dropped.
    """
    names = {path: _safe(name) for path, name in short_names(paths).items()}

    def render(point: Mapping[str, Any], precise: bool) -> str:
        return "-".join(f"{names[p]}:{format_value(point[p], precise)}" for p in paths) or "trial"

    ids = [render(point, False) for point in points]
    counts = Counter(ids)
    if len(counts) < len(ids):
        ids = [render(point, True) if counts[i] > 1 else i for point, i in zip(points, ids, strict=True)]
    return _number_duplicates(ids, lambda n: f"-dup:{n}")


def _number_duplicates(ids: list[str], suffix: Callable[[int], str]) -> list[str]:
    seen: Counter[str] = Counter()
    unique = []
    for trial_id in ids:
        seen[trial_id] += 1
        unique.append(trial_id if seen[trial_id] == 1 else trial_id + suffix(seen[trial_id] - 1))
    return unique

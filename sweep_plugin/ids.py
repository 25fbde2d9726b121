"""Readable, unique, stable, bounded trial ids (``lr:0.01-hidden:32-seed:0``) and folder names.

An id depends only on the trial's parameters and its position among equal
ones, never on the machine, so ``--lf``, ``-k`` and CI history find the
same trial again. ``:`` joins name and value because pytest's ``-k``
grammar refuses ``=``. Ids stay short enough to read: a long value, and
the tail of an id with many parameters, give way to a short stable hash.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

MAX_VALUE = 32  # characters of one value in an id; a longer one is shortened
MAX_NAME = 48  # characters of one parameter name in an id
MAX_ID = 160  # characters of a whole id
MAX_FOLDER_BYTES = 200  # of a trial folder name (file systems allow 255)
ELLIPSIS = ".."  # where an id or value was shortened; a hash of the whole follows

MAX_SWEEP_NAME = 100

_UNSAFE = re.compile(r"[^\w.+/-]+")
_FOLDER_UNSAFE = re.compile(r"[^\w.+=-]")
_NAME_UNSAFE = re.compile(r"[^\w.+-]+")


def safe_name(text: str) -> str:
    """``text`` as one plain word, for a sweep's node ids and folder: other characters become ``_``.

    Empty if nothing is left (``".."``, ``"***"``): the caller says what to do then.
    """
    return _NAME_UNSAFE.sub("_", text).strip("._+-")[:MAX_SWEEP_NAME]


def sweep_folders(sweeps: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The report folder of each sweep ``(name, owner)``: its name, unless another owner has it too.

    The owner is what the sweep's node ids start with (``mnist/sweep_lr.yaml::lr``); sweeps whose
    names clash (also only by case) each add a hash of their owner, so none shares another's folder.
    """
    distinct = list(dict.fromkeys(sweeps))
    clashes = Counter(name.casefold() for name, _ in distinct)
    return {
        (name, owner): name if clashes[name.casefold()] == 1 else f"{name}-{digest(owner, 6)}"
        for name, owner in distinct
    }


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


def digest(text: str, length: int = 8) -> str:
    """A short stable hash of ``text`` (the same on every machine and run)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def file_digest(path: str | Path | None) -> str:
    """A short hash of a file's bytes, or ``""`` for no file (a built-in module, a program on PATH)."""
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def _safe(text: object) -> str:
    return _UNSAFE.sub("_", str(text)) or "empty"


def _shortened(text: str, limit: int, whole: str) -> str:
    """``text`` if it fits ``limit``, else its head, ``..`` and a hash of ``whole``."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - len(ELLIPSIS) - 6]}{ELLIPSIS}{digest(whole, 6)}"


def _joined(parts: list[str]) -> str:
    """``parts`` joined by ``-``; past ``MAX_ID`` the last ones give way to a hash of them all."""
    whole = "-".join(parts)
    if len(whole) <= MAX_ID:
        return whole
    tail = f"-{ELLIPSIS}{digest(whole)}"
    kept: list[str] = []
    for part in parts:
        if len("-".join([*kept, part])) + len(tail) > MAX_ID:
            break
        kept.append(part)
    return "-".join(kept) + tail


def trial_ids(points: Sequence[Mapping[str, Any]], paths: Sequence[str]) -> list[str]:
    """Ids for ``points``, naming only ``paths`` (the parameters that vary).

    Two points that format alike get full float precision; values that still
    read alike (``"a b"`` and ``"a_b"``) get ``+`` and a hash of their values;
    true duplicates (a categorical drawn twice) get ``-dup:N``, so no trial is
    ever dropped.
    """
    names = {path: _shortened(_safe(name), MAX_NAME, path) for path, name in short_names(paths).items()}

    def render(point: Mapping[str, Any], precise: bool) -> str:
        parts = [f"{names[p]}:{_shortened(format_value(point[p], precise), MAX_VALUE, repr(point[p]))}" for p in paths]
        return _joined(parts) or "trial"

    ids = [render(point, False) for point in points]
    counts = Counter(ids)
    if len(counts) < len(ids):
        ids = [render(point, True) if counts[i] > 1 else i for point, i in zip(points, ids, strict=True)]
        ids = _tell_apart(ids, [repr([point[p] for p in paths]) for point in points])
    return _number_duplicates(ids, lambda n: f"-dup:{n}")


def _tell_apart(ids: list[str], values: list[str]) -> list[str]:
    """Ids shared by points with different ``values`` get ``+`` and a hash of them."""
    differing: dict[str, set[str]] = {}
    for trial_id, value in zip(ids, values, strict=True):
        differing.setdefault(trial_id, set()).add(value)
    return [
        f"{trial_id}+{digest(value, 6)}" if len(differing[trial_id]) > 1 else trial_id
        for trial_id, value in zip(ids, values, strict=True)
    ]


def _number_duplicates(ids: list[str], suffix: Callable[[int], str]) -> list[str]:
    seen: Counter[str] = Counter()
    unique = []
    for trial_id in ids:
        seen[trial_id] += 1
        unique.append(trial_id if seen[trial_id] == 1 else trial_id + suffix(seen[trial_id] - 1))
    return unique


def folder_names(ids: Sequence[str]) -> list[str]:
    """A folder name per trial id: safe on every common file system, and one per id.

    ``:`` becomes ``=`` (ids never hold ``=``); anything else a file system
    may refuse becomes ``_``, and then, as for a name past
    ``MAX_FOLDER_BYTES`` or two names equal but for case, a hash of the id
    keeps the folder the trial's own.
    """
    names = [_folder_name(trial_id) for trial_id in ids]
    folded = Counter(name.casefold() for name in names)
    return [
        name if folded[name.casefold()] == 1 else f"{name}_{digest(trial_id)}"
        for name, trial_id in zip(names, ids, strict=True)
    ]


def _folder_name(trial_id: str) -> str:
    plain = trial_id.replace(":", "=")
    safe = _FOLDER_UNSAFE.sub("_", plain).strip(".") or "trial"
    if len(safe.encode()) > MAX_FOLDER_BYTES:
        safe = safe.encode()[: MAX_FOLDER_BYTES - 9].decode("utf-8", "ignore")
        return f"{safe}_{digest(trial_id)}"
    return safe if safe == plain else f"{safe}_{digest(trial_id)}"


_SEED = re.compile(r"(?:^|-)seed:(?P<seed>\d+)$")


def configuration_of(trial_id: str) -> tuple[str, int | None]:
    """``lr:0.1-seed:3`` -> (``lr:0.1``, 3): a trial's configuration and its seed (``all`` for seed alone)."""
    match = _SEED.search(trial_id)
    if match is None:
        return trial_id, None
    return trial_id[: match.start()] or "all", int(match["seed"])

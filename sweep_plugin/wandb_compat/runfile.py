"""A W&B run read back from its run file, while the program writes it.

Offline, ``wandb`` writes everything a run logs to ``run-<id>.wandb``: a
log of protobuf records in 32 KiB blocks (LevelDB's log format, behind a
7-byte W&B header). W&B no longer ships a Python reader for it, so the
framing is read here and each record is decoded with W&B's own protobuf
classes. Only whole records are read; a record still being written is
picked up by the next read.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER = struct.Struct("<4sHB")  # ident, magic, version
HEADER_VALUES = (b":W&B", 0xBEE1, 0)
CHUNK = struct.Struct("<IHB")  # crc32, length, type
BLOCK = 32 * 1024
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


class RunLogError(Exception):
    """The run file cannot be read (not W&B's format, or no ``wandb`` to decode it)."""


@dataclass
class Logged:
    """One ``wandb.log`` call: its step and the numbers it logged."""

    step: int
    metrics: dict[str, float]


@dataclass
class RunLog:
    """One run's file, read a little further on each `read`."""

    folder: Path  # W&B's ``WANDB_DIR``
    run_id: str
    summary: dict[str, Any] = field(default_factory=dict)  # the run's summary so far: its final metrics
    _offset: int = 0
    _pending: bytes = b""  # the first parts of a record split over blocks
    _path: Path | None = None  # once found: W&B makes one run folder per run id

    def path(self) -> Path | None:
        """The run file, once ``wandb.init()`` created it (offline or online, W&B names it the same)."""
        if self._path is None:
            found = sorted((self.folder / "wandb").glob(f"*-{self.run_id}/run-{self.run_id}.wandb"))
            self._path = found[-1] if found else None
        return self._path

    def read(self) -> list[Logged]:
        """What the run logged since the last read; the summary is kept up to date on the way."""
        path = self.path()
        if path is None:
            return []
        with path.open("rb") as file:
            file.seek(self._offset)
            data = file.read()
        logged = []
        for record in self._records(data):
            kind = record.WhichOneof("record_type")
            if kind == "history":
                entry = _logged(record.history)
                if entry is not None:
                    logged.append(entry)
            elif kind == "summary":
                self.summary.update((_key(item), _value(item)) for item in record.summary.update)
        return logged

    def final_metrics(self) -> dict[str, float]:
        """The numbers in the run's summary (its last logged values and what it set there)."""
        return _numbers(self.summary.items())

    def _records(self, data: bytes) -> Iterator[Any]:
        """Decode the whole records in ``data`` (the file from the current offset on)."""
        record_type = _record_type()
        position = 0
        if self._offset == 0:
            if len(data) < HEADER.size:
                return
            if HEADER.unpack_from(data) != HEADER_VALUES:
                raise RunLogError("not a W&B run file (its header is wrong)")
            position = HEADER.size
        while True:
            start = self._offset + position
            room = BLOCK - start % BLOCK
            if room < CHUNK.size:  # the block's tail is padding
                if len(data) - position < room:
                    break
                position += room
                continue
            if len(data) - position < CHUNK.size:
                break
            checksum, length, kind = CHUNK.unpack_from(data, position)
            body = data[position + CHUNK.size : position + CHUNK.size + length]
            if len(body) < length or zlib.crc32(body, zlib.crc32(bytes([kind]))) != checksum:
                break  # still being written
            position += CHUNK.size + length
            if kind in (FIRST, MIDDLE):
                self._pending += body
                continue
            whole, self._pending = (self._pending + body, b"") if kind == LAST else (body, b"")
            record = record_type()
            record.ParseFromString(whole)
            yield record
        self._offset += position


def _record_type() -> Any:
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError:
        raise RunLogError(
            "the program wrote a W&B run, but `wandb` is not installed where pytest runs: pip install wandb"
        ) from None
    return wandb_internal_pb2.Record  # type: ignore[attr-defined,unused-ignore]


def _logged(history: Any) -> Logged | None:
    values = {_key(item): _value(item) for item in history.item}
    step = values.get("_step", history.step.num)
    metrics = _numbers(values.items())
    if not metrics or isinstance(step, bool) or not isinstance(step, int | float):
        return None
    return Logged(int(step), metrics)


def _key(item: Any) -> str:
    """A logged name as W&B shows it: ``val/acc``, or ``a.b`` for a nested ``{"a": {"b": ...}}``."""
    return item.key or ".".join(item.nested_key)


def _value(item: Any) -> Any:
    try:
        return json.loads(item.value_json)
    except ValueError:
        return None


def _numbers(items: Any) -> dict[str, float]:
    """The plain numbers among logged values.

    Left out: W&B's own (``_step``, ``_runtime``), media and tables (W&B logs
    an image as ``img.width``, ``img.height``, ... beside ``img._type``), and a value named
    ``step`` (a program's own step counter: the history's step is ``_step``).
    """
    items = list(items)
    media = tuple(name.removesuffix("_type") for name, _ in items if name.endswith("._type"))  # ``img.`` of img
    return {
        name: float(value)
        for name, value in items
        if not name.startswith(("_", *media)) and name != "step"
        if isinstance(value, int | float) and not isinstance(value, bool)
    }

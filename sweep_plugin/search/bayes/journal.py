"""The Optuna journal file, kept readable: a torn line is mended before anything is appended after it.

A session killed while it writes, or a full disk, leaves a line cut short.
Optuna skips such a line only while it is the last one; the next append
glues a whole record onto it and the file then fails to load for every later
session. So before the plugin opens a journal it looks at the file's last
byte, and when the file will not load it looks at every line: under Optuna's
own lock, a torn tail is cut off (earlier records keep their offsets), and a
torn line inside is set aside with the whole records glued after it saved,
the file as it was kept beside it (``<journal>.torn``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from ...errors import warn_about

RECORD_START = b'{"op_code":'  # how Optuna writes every journal record


class Mended(NamedTuple):
    """What mending a journal did."""

    kept: int  # whole records in the file now
    torn: int  # torn lines set aside
    copy: Path | None  # the file as it was, when more than its tail changed


def open_journal(path: Path) -> Any:
    """Optuna's `JournalStorage` on ``path`` (its folder made), mended first if a line in it is torn."""
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path.parent.mkdir(parents=True, exist_ok=True)
    if _torn_tail(path):
        _said(path, mend(path))
    try:
        return JournalStorage(JournalFileBackend(str(path)))
    except ValueError:  # a torn line inside (json.JSONDecodeError is a ValueError too)
        mended = mend(path)
        if mended is None:
            raise
        _said(path, mended)
        return JournalStorage(JournalFileBackend(str(path)))


def mend(path: Path) -> Mended | None:
    """Set aside the torn lines of the journal at ``path``, under Optuna's lock; None when none is torn."""
    from optuna.storages.journal import JournalFileSymlinkLock

    lock = JournalFileSymlinkLock(str(path))
    lock.acquire()
    try:
        data = path.read_bytes()
        lines, torn = whole_records(data)
        if not torn:
            return None
        kept = b"".join(lines)
        if data.startswith(kept):  # only the tail was torn: cut it off, every offset before it stays
            os.truncate(path, len(kept))
            return Mended(len(lines), torn, None)
        copy = path.with_name(path.name + ".torn")
        copy.write_bytes(data)
        temporary = path.with_name(path.name + ".mending")
        temporary.write_bytes(kept)
        os.replace(temporary, path)
        return Mended(len(lines), torn, copy)
    finally:
        lock.release()


def whole_records(data: bytes) -> tuple[list[bytes], int]:
    """The whole records of a journal's bytes (each a line ending in a newline), and how many lines were torn.

    A torn line may carry whole records glued after it (appended before the tear was seen): they are kept.
    """
    kept: list[bytes] = []
    torn = 0
    for line in data.splitlines(keepends=True):
        if line.endswith(b"\n") and _is_record(line):
            kept.append(line)
            continue
        torn += 1
        start = line.find(RECORD_START, 1)
        while start != -1:
            rest = line[start:]
            if rest.endswith(b"\n") and _is_record(rest):
                kept.append(rest)
                break
            start = line.find(RECORD_START, start + 1)
    return kept, torn


def _is_record(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _torn_tail(path: Path) -> bool:
    """Whether the journal's last line is cut short (the cheap check made before every open)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return False
            handle.seek(size - 1)
            return handle.read(1) != b"\n"
    except OSError:
        return False


def _said(path: Path, mended: Mended | None) -> None:
    if mended is None:
        return
    where = f"; the file as it was is {mended.copy}" if mended.copy else ""
    warn_about(
        path,
        f"the Optuna journal had {mended.torn} torn line(s) (a session killed while writing, or a full disk): "
        f"set aside, {mended.kept} whole records kept{where}",
    )

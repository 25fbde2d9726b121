"""Lookups of stored results for trials of this session's sweeps, by config hash (or node id) and code.

``--sweep-resume`` reuses the newest *finished* result of a trial it would
run (`find_stored`); a continuation's report shows the newest result of any
outcome of the trials it did not run (`find_latest`). Either lookup costs what
the trials asked for cost: their keys go to the store's indexes, whatever
else the store holds.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .schema import Record
from .store import ResultStore, Stored, readable

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Wanted(Generic[K]):
    """A trial to look up: the caller's key for it, its config hash and a hash of the code it runs."""

    key: K
    hash: str
    code: str


@dataclass
class Found(Generic[K]):
    """The stored records that can stand for trials, by the caller's key."""

    records: dict[K, Record] = field(default_factory=dict)
    code_changed: int = 0  # stored results set aside: the experiment's or program's file changed since
    damaged: int = 0  # stored results set aside: their row is not a record (a damaged or hand-edited store)


def find_stored(store: ResultStore, wanted: Sequence[Wanted[K]], before: float) -> Found[K]:
    """The newest finished record stored before ``before`` for each wanted trial whose code is unchanged."""
    stored = store.finished((trial.hash for trial in wanted), before) if wanted else {}
    found: Found[K] = Found()
    for trial in wanted:
        if trial.hash not in stored:
            continue
        record = readable(stored[trial.hash])
        if record is None:
            found.damaged += 1
        elif record.get("code", "") != trial.code:
            found.code_changed += 1
        else:
            found.records[trial.key] = record
    return found


def find_latest(store: ResultStore, wanted: Sequence[Wanted[str]], before: float) -> dict[str, Record]:
    """The newest record of any outcome stored before ``before`` for each wanted trial (keyed by node id),
    of the same config hash and code, marked ``carried`` with when and in which session it ran."""
    by_hash = store.latest((trial.hash for trial in wanted), before)
    found: dict[str, Record] = {}
    for trial in wanted:
        stored = by_hash.get(trial.hash)
        record = readable(stored.record) if stored is not None else None
        if stored is None or record is None or record.get("code", "") != trial.code:
            continue
        found[trial.key] = {**record, "nodeid": trial.key, "resumed": False, "carried": carried_from(stored)}
    return found


def carried_from(stored: Stored) -> str:
    """``2026-12-07 21:05 UTC, session 3fa2c1d0``: where a carried result came from, for the reader."""
    when = datetime.datetime.fromtimestamp(stored.finished_at, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}, session {stored.session[:8]}"

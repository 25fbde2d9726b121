"""``--sweep-resume``'s lookup: which trials have a finished result stored for the same config and code.

The lookup costs what this session's trials cost: their hashes go to the
store's hash index, whatever else the store holds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .schema import Record
from .store import ResultStore, readable

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

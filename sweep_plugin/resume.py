"""``--sweep-resume``: trials whose config already has a finished result in the store are not run again.

The lookup costs what this session's trials cost: their hashes go to the
store's hash index, whatever else the store holds. A reused result is
judged by today's ``expect``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import with_params
from .judge import missed_expectations
from .records import Record, make_record
from .sweeprun import TrialCase, case_of
from .trialrun import identity, trial_hash

if TYPE_CHECKING:
    import pytest

    from .settings import Baseline
    from .store import ResultStore


@dataclass
class Resumption:
    """What ``--sweep-resume`` found for the collected trials."""

    run: list[pytest.Item]  # trials to run
    reused: list[pytest.Item]  # trials with a stored result (deselected)
    records: list[Record]  # their records, judged by today's ``expect``
    code_changed: int = 0  # stored results set aside: the experiment's or program's file changed since

    def note(self) -> str:
        """The line collection prints."""
        note = f"sweep-resume: {len(self.records)} finished trials reused, not run again"
        if self.code_changed:
            note += f"; {self.code_changed} stored results set aside because their code changed"
        return note


def resume(items: list[pytest.Item], store: ResultStore, before: float, baseline: Baseline) -> Resumption:
    """Split ``items`` into those to run and those with a stored result of the same config and code."""
    wanted: list[tuple[str, pytest.Item, TrialCase, dict[str, Any]]] = []
    for item in items:
        case = case_of(item)
        params = case.sweep.method.resumable(case.slot) if case is not None and case.sweep.target else None
        if case is not None and params is not None:
            wanted.append((trial_hash(case.sweep.spec, params), item, case, params))
    stored = store.finished((digest for digest, *_ in wanted), before) if wanted else {}
    reused: dict[int, Record] = {}
    code_changed = 0
    for digest, item, case, params in wanted:
        if digest not in stored:
            continue
        old = json.loads(stored[digest])
        if old.get("code", "") != (case.sweep.target.code if case.sweep.target else ""):
            code_changed += 1
            continue
        reused[id(item)] = resumed_record(case, item.nodeid, digest, params, old, baseline)
    return Resumption(
        run=[item for item in items if id(item) not in reused],
        reused=[item for item in items if id(item) in reused],
        records=list(reused.values()),
        code_changed=code_changed,
    )


def resumed_record(
    case: TrialCase, nodeid: str, digest: str, params: dict[str, Any], stored: Record, baseline: Baseline
) -> Record:
    """A stored result (a record the plugin wrote) as this trial's record, judged by today's ``expect``."""
    spec, slot = case.sweep.spec, case.slot
    metrics = stored.get("metrics") or {}
    missed = missed_expectations(spec, params, metrics, baseline.get((spec.name, slot.id), {}))
    config = stored.get("config") or with_params(spec.config, params)
    return make_record(
        identity(case, nodeid, params, config, digest),
        outcome="failed" if missed else "passed",
        message="\n".join(missed),
        metrics=metrics,
        history=stored.get("history") or [],
        duration_s=stored.get("duration_s"),
        worker=stored.get("worker") or "main",
        attempts=stored.get("attempts") or 1,
        resumed=True,
    )

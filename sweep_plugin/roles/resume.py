"""``--sweep-resume`` on the collected items: trials with a stored result are deselected, not run again.

A reused result is judged by today's ``expect``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..collection import case_of
from ..records import Outcome, Record, Wanted, find_stored, make_record
from ..running import TrialCase, identity
from ..spec import with_params
from ..verdicts import missed_expectations

if TYPE_CHECKING:
    import pytest

    from ..records import ResultStore
    from ..verdicts import Baseline


@dataclass
class Resumption:
    """What ``--sweep-resume`` found for the collected trials."""

    run: list[pytest.Item]  # trials to run
    reused: list[pytest.Item]  # trials with a stored result (deselected)
    records: list[Record]  # their records, judged by today's ``expect``
    code_changed: int = 0  # stored results set aside: the experiment's or program's file changed since
    damaged: int = 0  # stored rows that are not records: set aside, their trials run again
    store: str = ""  # where they are

    def note(self) -> str:
        """The line collection prints."""
        note = f"sweep-resume: {len(self.records)} finished trials reused, not run again"
        if self.code_changed:
            note += f"; {self.code_changed} stored results set aside because their code changed"
        if self.damaged:
            note += f"; {self.damaged} damaged stored results in {self.store} set aside (their trials run again)"
        return note


def resume(items: list[pytest.Item], store: ResultStore, before: float, baseline: Baseline) -> Resumption:
    """Split ``items`` into those to run and those with a stored result of the same config and code."""
    wanted: list[Wanted[int]] = []
    cases: dict[int, tuple[pytest.Item, TrialCase, dict[str, Any]]] = {}
    for item in items:
        case = case_of(item)
        target = case.sweep.target if case is not None else None
        params = case.sweep.method.resumable(case.slot) if case is not None and target is not None else None
        if case is not None and target is not None and params is not None:
            wanted.append(Wanted(id(item), case.sweep.spec.trial_hash(params), target.code))
            cases[id(item)] = (item, case, params)
    found = find_stored(store, wanted, before)
    reused = {
        key: resumed_record(cases[key][1], cases[key][0].nodeid, cases[key][2], stored, baseline)
        for key, stored in found.records.items()
    }
    for key, record in reused.items():  # the search method hears how they ended (a study a session left unsure)
        case = cases[key][1]
        with contextlib.suppress(Exception):  # a storage that cannot hear it now hears it at the next resume
            case.sweep.method.finish(case.slot, record)
    return Resumption(
        run=[item for item in items if id(item) not in reused],
        reused=[item for item in items if id(item) in reused],
        records=list(reused.values()),
        code_changed=found.code_changed,
        damaged=found.damaged,
        store=str(store.path),
    )


def resumed_record(case: TrialCase, nodeid: str, params: dict[str, Any], stored: Record, baseline: Baseline) -> Record:
    """A stored result (a record the plugin wrote) as this trial's record, judged by today's ``expect``."""
    spec, slot = case.sweep.spec, case.slot
    metrics = stored.get("metrics") or {}
    missed = missed_expectations(spec, params, metrics, baseline.get((spec.name, slot.id), {}))
    config = stored.get("config") or with_params(spec.config, params)
    return make_record(
        identity(case, nodeid, params, config, stored.get("hash", "")),
        outcome=Outcome.FAILED if missed else Outcome.PASSED,
        message="\n".join(missed),
        metrics=metrics,
        history=stored.get("history") or [],
        duration_s=stored.get("duration_s"),
        worker=stored.get("worker") or "main",
        attempts=stored.get("attempts") or 1,
        resumed=True,
    )

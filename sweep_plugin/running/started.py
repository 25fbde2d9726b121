"""A trial from the moment it starts: the parameters it runs with, and its record when it ends.

When a trial item's setup begins, the process running it asks the sweep's
search method for the slot's parameters and builds the `TrialRun`;
everything after that (the experiment, the expectations, the store's hash,
the record, the report) reads the parameters from there.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from ..pruners import StoredStepsPruner
from ..records import Identity, Record, make_record, unknown_identity
from ..spec import with_params
from ..trial import Trial
from .outcomes import classify

if TYPE_CHECKING:
    from ..records import ResultStore
    from .sweep import TrialCase


def identity(
    case: TrialCase, nodeid: str, params: dict[str, Any], config: dict[str, Any], digest: str = ""
) -> Identity:
    """What a trial with ``params`` runs (``config``: its merged config; ``digest``: its hash, if known)."""
    spec, slot = case.sweep.spec, case.slot
    return Identity(
        sweep=spec.name,
        file=spec.display,
        trial=slot.id,
        nodeid=nodeid,
        params=params,
        config=config,
        hash=digest or spec.trial_hash(params),
        code=case.sweep.target.code if case.sweep.target else "",
        dir=case.sweep.trial_folder(slot),
        metric=spec.metric.as_dict() if spec.metric else None,
        objectives=[m.as_dict() for m in spec.objectives] if len(spec.objectives) > 1 else [],
        scales=spec.scales,
    )


@dataclass
class TrialRun:
    """A trial that has started: what it runs, and what it has reported so far."""

    case: TrialCase
    identity: Identity
    handle: Trial
    final: tuple[pytest.CallInfo[None], Record] | None = None  # the phase that ended it, and the record

    @property
    def params(self) -> dict[str, Any]:
        return self.identity["params"]

    def config_copy(self) -> dict[str, Any]:
        """The merged config for the experiment to use (and change, if it likes)."""
        return copy.deepcopy(self.identity["config"])

    def end(self, call: pytest.CallInfo[None], *, worker: str, attempts: int) -> Record:
        """The record of the trial, ended by the phase ``call`` (kept as ``final``)."""
        outcome, message = classify(call.excinfo)
        record = make_record(
            self.identity,
            outcome=outcome,
            message=message,
            metrics=self.handle.metrics,
            history=self.handle.history,
            duration_s=call.duration,
            worker=worker,
            attempts=attempts,
        )
        self.final = (call, record)
        return record


_STARTED = pytest.StashKey[TrialRun]()


def start_trial(item: pytest.Item, case: TrialCase, steps: ResultStore, session: str) -> TrialRun:
    """Ask the search method what the slot runs with, and make the trial's `TrialRun`."""
    spec, slot = case.sweep.spec, case.slot
    params = case.sweep.method.start(slot)
    trial_identity = identity(case, item.nodeid, params, with_params(spec.config, params))
    pruner = case.sweep.method.pruner(slot)
    if pruner is None and spec.early_terminate and spec.metric:
        pruner = StoredStepsPruner(spec.early_terminate, spec.metric, steps, session, spec.name, slot.id)
    directory = case.sweep.report_dir / trial_identity["dir"]
    handle = Trial(sweep=spec.name, trial_id=slot.id, params=params, directory=directory, on_log=pruner)
    run = item.stash[_STARTED] = TrialRun(case, trial_identity, handle)
    return run


def started(item: pytest.Item) -> TrialRun | None:
    """The `TrialRun` of an item whose trial has started, or None."""
    return item.stash.get(_STARTED, None)


def unstarted_identity(item: pytest.Item, case: TrialCase) -> Identity:
    """The identity of a trial that failed before it could start (its method could not say)."""
    found = unknown_identity(item.nodeid, case.slot.params)
    spec, slot = case.sweep.spec, case.slot
    return {**found, "sweep": spec.name, "file": spec.display, "trial": slot.id, "dir": case.sweep.trial_folder(slot)}

"""`SweepWorker`: the role of every process that runs trials.

It builds each trial's record when the trial's call ends, stores it on
disk before the next trial starts, and hands it to the controller on the
pytest report (which xdist carries across processes).
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Generator
from typing import Any

import pytest

from . import jsonreport
from .collect import SweepRun, SweepWarning, TrialItem
from .pruning import STEPS
from .records import classify, trial_record, worker_id
from .settings import RUN, Settings
from .store import MEMORY, ResultStore, config_hash
from .sweepmark import sweep_case
from .trials import TrialSpec

RESUMED = pytest.StashKey[list[dict[str, Any]]]()


def trial_of(item: pytest.Item) -> tuple[SweepRun, TrialSpec] | None:
    """The sweep and trial an item runs: a sweep file's trial or a marked test's."""
    if isinstance(item, TrialItem):
        return item.run, item.trial
    case = sweep_case(item)
    return (case.run, case.trial) if case is not None else None


class SweepWorker:
    """Runs where trials run (the only process without xdist, each worker with it)."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.worker = worker_id(config)
        self.store = ResultStore(settings.store_path) if settings.store else None
        config.stash[STEPS] = self.store or ResultStore(MEMORY)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """With ``--sweep-resume``, deselect trials whose results are stored (after collection)."""
        if not (self.settings.resume and self.store):
            return
        finished = self.store.finished(before=self.config.stash[RUN].started)
        keep, resumed, records = [], [], []
        for item in items:
            stored = finished.get(item.run.digest(item.trial)) if isinstance(item, TrialItem) else None
            if stored is None:
                keep.append(item)
            else:
                assert isinstance(item, TrialItem)
                resumed.append(item)
                records.append(item.run.resumed_record(item.trial, item.nodeid, json.loads(stored)))
        if resumed:
            items[:] = keep
            self.config.hook.pytest_deselected(items=resumed)
        self.config.stash[RESUMED] = records

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """An xdist worker turns its half of the JSON report on once trials are collected."""
        is_worker = hasattr(self.config, "workerinput")
        if is_worker and _wants_report(self.config, self.settings) and any(trial_of(i) for i in session.items):
            jsonreport.enable(self.config, self.settings.report_dir, self.config.stash[RUN].started)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After a ``@pytest.mark.sweep`` test body, check the sweep's expectations."""
        result = yield
        case = sweep_case(item)
        handle = getattr(item, "sweep_trial", None)
        if case is not None and handle is not None:
            case.run.check(case.trial, handle.metrics)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Store the trial record and attach it to the call report, for the controller."""
        report = yield
        record = self._record(item, call)
        if record is not None:
            report.sweep = record  # type: ignore[attr-defined]
        return report

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(self, item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any] | None:
        """Put the trial record into pytest-json-report's per-test metadata."""
        return self._record(item, call)

    def pytest_sessionfinish(self) -> None:
        """Send the resumed records to the controller (xdist worker, after the run)."""
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["sweep_resumed"] = self.config.stash.get(RESUMED, [])
        if self.store:
            self.store.close()

    def _record(self, item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any] | None:
        """The record of a finished call phase: built and stored once per attempt."""
        if call.when != "call" or (found := trial_of(item)) is None:
            return None
        cached = getattr(item, "_sweep_record", None)
        if cached is not None and cached[0] is call:
            return dict(cached[1])
        run, trial = found
        merged_config = getattr(item, "merged_config", None) or {}
        record = trial_record(
            run.spec,
            trial,
            handle=getattr(item, "sweep_trial", None),
            merged_config=merged_config,
            nodeid=item.nodeid,
            outcome=classify(call.excinfo),
            duration_s=call.duration,
            worker=self.worker,
            attempts=getattr(item, "execution_count", 1),
        )
        if self.store:
            try:
                self.store.put(self.config.stash[RUN].session, record, config_hash(merged_config, run.target))
            except sqlite3.Error as exc:  # the trial's result still reaches the report
                message = f"{item.nodeid}: result not stored in {self.store.path}: {exc}"
                warnings.warn(SweepWarning(message), stacklevel=1)
        item._sweep_record = (call, record)  # type: ignore[attr-defined]
        return dict(record)


def _wants_report(config: pytest.Config, settings: Settings) -> bool:
    return settings.report and not config.option.collectonly

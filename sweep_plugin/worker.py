"""`SweepWorker`: the role of every process that runs trials.

It starts each trial in its setup (asking the search method for the
parameters), judges it after its call, and builds its record from the phase
that ended it. The record is stored on disk before the next trial starts and
handed to the controller on the pytest report, which xdist carries across
processes; the setup report carries the trial's identity, so a trial that
kills its worker is still known by its parameters.
"""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Generator
from typing import Any

import pytest

from . import jsonreport
from .context import SweepContext, SweepWarning
from .judge import check_expectations
from .records import Record, make_record
from .resume import resume
from .store import MEMORY, ResultStore
from .sweeprun import case_of
from .trialrun import classify, start_trial, started, unstarted_identity


def worker_id(config: pytest.Config) -> str:
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    return str(workerinput.get("workerid", "main"))


class SweepWorker:
    """Runs where trials run (the only process without xdist, each worker with it)."""

    def __init__(self, config: pytest.Config, context: SweepContext) -> None:
        self.config = config
        self.context = context
        self.settings = context.settings
        self.worker = worker_id(config)
        self.store = ResultStore(self.settings.store_path) if self.settings.store else None
        self.steps = self.store or ResultStore(MEMORY)  # where logged values wait for pruning

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """With ``--sweep-resume``, deselect trials whose results are stored (after collection)."""
        if not (self.settings.resume and self.store):
            return
        keep, reused, records = resume(items, self.store, self.context.run.started, self.settings.baseline)
        if reused:
            items[:] = keep
            self.config.hook.pytest_deselected(items=reused)
            self.context.resumed.extend(records)
            self.context.notes.append(f"sweep-resume: {len(records)} finished trials reused, not run again")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """An xdist worker turns its half of the JSON report on once trials are collected."""
        is_worker = hasattr(self.config, "workerinput")
        if is_worker and self.settings.report and any(case_of(item) for item in session.items):
            jsonreport.turn_on_worker(self.config, self.settings.report_dir)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Start a trial before its fixtures: the search method says what it runs with."""
        case = case_of(item)
        if case is not None:
            start_trial(item, case, self.steps, self.context.run.session)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After a trial ran, judge its metrics by the sweep's ``expect``."""
        result = yield
        run = started(item)
        if run is not None:
            spec, slot = run.case.sweep.spec, run.case.slot
            baseline = self.settings.baseline.get((spec.name, slot.id), {})
            check_expectations(spec, run.params, run.handle.metrics, baseline)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Put the trial's identity on its setup report, and its record on the report that ends it."""
        report = yield
        run = started(item)
        if call.when == "setup" and report.passed and run is not None:
            report.sweep_identity = run.identity  # type: ignore[attr-defined]
        else:
            record = self._record(item, call)
            if record is not None:
                report.sweep_record = record  # type: ignore[attr-defined]
        return report

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Record | None:
        """Put the trial record into pytest-json-report's per-test metadata."""
        return self._record(item, call)

    def pytest_sessionfinish(self) -> None:
        """Send what collection found to the controller (xdist worker, after the run)."""
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["sweep_resumed"] = self.context.resumed
            workeroutput["sweep_notes"] = self.context.notes
        if self.store:
            self.store.close()

    def _record(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Record | None:
        """The record of the phase that ended a trial (its call, or a setup that did not pass)."""
        if call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
            return None
        run = started(item)
        if run is None:
            case = case_of(item)
            if case is None:
                return None
            outcome, message = classify(call.excinfo)  # its search method could not start it
            return make_record(unstarted_identity(item, case), outcome=outcome, message=message, worker=self.worker)
        if run.final is not None and run.final[0] is call:
            return run.final[1]
        record = run.end(call, worker=self.worker, attempts=getattr(item, "execution_count", 1))
        self._store(item, record)
        run.case.sweep.method.finish(run.case.slot, record)
        return record

    def _store(self, item: pytest.Item, record: Record) -> None:
        if self.store is None:
            return
        try:
            self.store.put(self.context.run.session, record)
        except sqlite3.Error as exc:  # the trial's result still reaches the report
            message = f"{item.nodeid}: result not stored in {self.store.path}: {exc}"
            warnings.warn(SweepWarning(message), stacklevel=1)


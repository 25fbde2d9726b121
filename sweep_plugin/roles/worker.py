"""`SweepWorker`: the role of every process that runs trials.

It starts each trial in its setup (asking the search method for the
parameters), judges it after its call, and builds its record from the phase
that ended it. The record is stored on disk before the next trial starts and
handed to the controller on the pytest report, which xdist carries across
processes; the setup report carries the trial's identity, so a trial that
kills its worker is still known by its parameters.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Generator
from typing import Any

import pytest

from ..collection import case_of, unmet_sets
from ..errors import SweepError, warn_about
from ..expressions import Read
from ..records import (
    MEMORY,
    ExpectationFailed,
    Record,
    ResultStore,
    StoreError,
    TrialEnded,
    TrialError,
    make_record,
)
from ..running import (
    SweepRun,
    TrialRun,
    as_pytest,
    assign_folders,
    classify,
    start_trial,
    started,
    unstarted_identity,
)
from ..verdicts import check_expectations, hidden_names
from . import jsonreport
from .context import SweepContext
from .continuation import carried_records, continuation
from .devices import ENV, find_devices, trial_devices, worker_number, worker_share
from .resume import resume
from .tracking import TrackingFailed


def worker_id(config: pytest.Config) -> str:
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    return str(workerinput.get("workerid", "main"))


def worker_devices(config: pytest.Config, configured: str | None) -> list[str]:
    """The GPUs this process may give its trials: all of them, or its share as an xdist worker."""
    devices = find_devices(configured)
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    number = worker_number(worker_id(config))
    if number is None:
        return devices
    return worker_share(devices, number, int(workerinput.get("workercount", 1)))


_DEVICES_BEFORE = pytest.StashKey[str | None]()


class SweepWorker:
    """Runs where trials run (the only process without xdist, each worker with it)."""

    def __init__(self, config: pytest.Config, context: SweepContext) -> None:
        self.config = config
        self.context = context
        self.settings = context.settings
        self.worker = worker_id(config)
        self.store = ResultStore(self.settings.store_path) if self.settings.store else None
        self.steps = self.store or ResultStore(MEMORY)  # where logged values wait for pruning
        self.hidden_warned: set[tuple[str, str]] = set()
        self.not_run: dict[str, str] = {}  # sweep -> why its later trials are not run (a metric its first lacked)
        self.sweeps: list[SweepRun] = []  # every sweep collected here
        if hasattr(config, "workerinput") and self.devices:  # this worker's share, for everything it runs
            os.environ[ENV] = ",".join(self.devices)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None, None, None]:
        """Name every sweep's folder from all collected trials (before ``-k`` or ``-m`` deselect any);
        then, with ``--sweep-resume``, deselect trials whose results are stored."""
        self.sweeps = list({id(case.sweep): case.sweep for item in items if (case := case_of(item))}.values())
        assign_folders(self.sweeps)
        self._refuse_unmet_sets(items)
        yield
        if self.settings.resume and self.store:
            self._resume(items)

    def _refuse_unmet_sets(self, items: list[pytest.Item]) -> None:
        """A ``--sweep-set`` path no collected sweep has is a usage error naming the sweeps.

        An xdist worker cannot raise one (xdist takes it for a crash): it runs nothing and tells the
        controller, whose `Reporter` ends the session as a usage error.
        """
        problem = unmet_sets(self.config, self.settings)
        workeroutput: dict[str, Any] | None = getattr(self.config, "workeroutput", None)
        if problem and workeroutput is None:
            raise pytest.UsageError(problem)
        if problem and workeroutput is not None:
            workeroutput["sweep_usage_error"] = problem
            self.config.hook.pytest_deselected(items=list(items))
            items.clear()

    def _resume(self, items: list[pytest.Item]) -> None:
        assert self.store is not None
        try:
            found = resume(items, self.store, self.context.run.started, self.context.baseline)
        except StoreError as exc:
            self._lose_store(exc, "--sweep-resume reuses nothing")
            return
        if found.reused:
            items[:] = found.run
            self.config.hook.pytest_deselected(items=found.reused)
            self.context.resumed.extend(found.records)
        if found.reused or found.code_changed or found.damaged:
            self.context.notes.append(found.note())

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """A continuation finds its sweeps' other trials' results; an xdist worker turns its half of the JSON
        report on once trials are collected."""
        if self.store and continuation(self.config, self.settings.resume):
            try:
                found = carried_records(
                    self.config, session.items, self.context.resumed, self.store, self.context.run.started
                )
            except StoreError as exc:
                self._lose_store(exc, "the report shows only the trials run now")
            else:
                self.context.carried.extend(found)
        is_worker = hasattr(self.config, "workerinput")
        if is_worker and self.settings.report and any(case_of(item) for item in session.items):
            jsonreport.turn_on_worker(self.config, self.settings.report_dir)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        """Store the trial's record and tell its search method, after the item's whole protocol.

        That is outside any timeout's window (pytest-timeout's wrapper, made
        before this role is registered, is inside this one), inside pytest's
        warning capture, and before the next trial starts.
        """
        try:
            return (yield)
        finally:
            run = started(item)
            if run is not None and run.final is not None:
                self._finish(run)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Start a trial before its fixtures: the search method says what it runs with, and on which GPUs."""
        case = case_of(item)
        if case is not None:
            if case.sweep.owner in self.not_run:
                raise as_pytest(TrialError(self.not_run[case.sweep.owner]))
            try:
                start_trial(item, case, self.steps, self.context.run.session)
            except TrialEnded as ended:  # the search method could not start it (a slot another session holds)
                raise as_pytest(ended) from None
            self._give_devices(item, case.sweep.spec.resources.gpus)

    def _give_devices(self, item: pytest.Item, gpus: int) -> None:
        """Narrow ``CUDA_VISIBLE_DEVICES`` to the trial's devices; `pytest_runtest_teardown` puts it back."""
        if gpus == 0:
            return
        devices = self.devices
        if not devices:
            pytest.skip(f"needs {gpus} GPU{'s' if gpus > 1 else ''} and none was found (sweep_gpus, nvidia-smi)")
        try:
            given = ",".join(trial_devices(devices, gpus))
        except SweepError as exc:
            raise as_pytest(TrialError(str(exc))) from None
        item.stash[_DEVICES_BEFORE] = os.environ.get(ENV)
        os.environ[ENV] = given

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """The worker's ``CUDA_VISIBLE_DEVICES`` again after a trial that narrowed it."""
        if _DEVICES_BEFORE in item.stash:
            before = item.stash[_DEVICES_BEFORE]
            if before is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = before

    @functools.cached_property
    def devices(self) -> list[str]:
        """The GPUs this process may give its trials (looked up on first need)."""
        return worker_devices(self.config, self.settings.gpus)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After a trial ran, judge its metrics by the sweep's ``expect``; its ending as pytest's outcome."""
        try:
            result = yield
            run = started(item)
            if run is not None:
                spec, slot = run.case.sweep.spec, run.case.slot
                self._warn_hidden(run)
                baseline = self.context.baseline.get((spec.name, slot.id), {})
                check_expectations(spec, run.params, run.handle.metrics, baseline)
        except TrialEnded as ended:  # raised by the runners, a pruner or the verdict: shown as pytest shows outcomes
            run = started(item)
            if isinstance(ended, ExpectationFailed) and ended.unreported and run is not None:
                # Caught at the first trial: the sweep's other trials would miss the metric too.
                self.not_run.setdefault(run.case.sweep.owner, ended.unreported[0].not_run(run.case.slot.id))
            raise as_pytest(ended) from None
        return result

    def _warn_hidden(self, run: TrialRun) -> None:
        """Once per sweep and name: a metric named like a parameter (or ``baseline.x``) that ``expect`` reads."""
        spec = run.case.sweep.spec
        for name in hidden_names(spec, run.params, run.handle.metrics):
            if (run.case.sweep.owner, name) not in self.hidden_warned:
                self.hidden_warned.add((run.case.sweep.owner, name))
                baseline = name.startswith("baseline.")
                what = "a baseline value" if baseline else "the parameter"
                quoted = Read("baseline", name.removeprefix("baseline.")) if baseline else Read("param", name)
                warn_about(
                    spec.file,
                    f"{spec.display}: the metric {name!r} hides {what} {name!r} in expect, which reads the metric;"
                    f" write {quoted} to read {'it' if baseline else 'the parameter'}, or rename the metric",
                )

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
            workeroutput["sweep_carried"] = self.context.carried
            workeroutput["sweep_notes"] = self.context.notes
        for sweep in self.sweeps:
            sweep.method.close()
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
        return run.end(call, worker=self.worker, attempts=getattr(item, "execution_count", 1))

    def _finish(self, run: TrialRun) -> None:
        """Put the final record in the store (the report gets it anyway) and tell the search method."""
        assert run.final is not None
        record = run.final[1]
        if self.store is not None:
            try:
                self.store.put(self.context.run.session, record)
            except StoreError as exc:
                self._lose_store(exc, "results reach the report only")
        tracker = self.context.tracker
        if tracker is not None and not tracker.failed:
            try:
                tracker.log_trial(record)
            except TrackingFailed as exc:  # said once; the trials go on
                warn_about(self.settings.report_dir, f"{exc}; the trials go on without it")
        try:
            run.case.sweep.method.finish(run.case.slot, record)
        except Exception as exc:  # the method's own store (an Optuna storage, say) failed: the result stands
            spec = run.case.sweep.spec
            warn_about(spec.file, f"{spec.display}: {spec.method} could not hear how {record['trial']} ended: {exc}")

    def _lose_store(self, problem: StoreError, consequence: str) -> None:
        """Warn once that the store is unusable, and go on without it (pruning keeps to this process)."""
        warn_about(self.settings.store_path, f"result store unusable, {consequence}: {problem.__cause__ or problem}")
        self.store = None
        self.steps = ResultStore(MEMORY)

"""`SweepController`: the role of the process that gathers results.

That is the only process without xdist, the controller with it. It learns
that trials run from its own collection, from a worker's collected ids, or
from the first trial report (a marked test under xdist), so it never
depends on sweep files being among the ids. It keeps every trial record,
and after the session (also a failed or interrupted one) writes the report
and prints one line per sweep.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any, Literal, cast

import pytest

from . import jsonreport
from .context import SweepContext, warn_about
from .estimate import estimate
from .gates import GateResult, judge_sweeps, load_specs
from .outcomes import GateFailed
from .records import Identity, Record, make_record, normalize_record, sweep_key, unknown_identity
from .spec import SweepSpec
from .store import ResultStore, StoreError
from .sweeprun import case_of
from .tracking import TrackingFailed


class SweepController:
    """Gathers trial records and writes the report after the session."""

    def __init__(self, config: pytest.Config, context: SweepContext) -> None:
        self.config = config
        self.context = context
        self.settings = context.settings
        self.identities: dict[str, Identity] = {}  # trials that started, by node id
        self.records: dict[str, Record] = {}  # the latest record of every trial, by node id
        self.final_records: list[Record] = []
        self.gates: dict[str, GateResult] = {}  # by node id
        self.specs: dict[str, dict[str, SweepSpec] | str] = {}  # each sweep file's sweeps as collected, or why not
        self.notes_shown = 0
        self.collected: list[str] = []  # this process's trials, without xdist
        self.estimated = False
        self.heard_from_worker = False
        self.problems: list[str] = []  # what the plugin could not read or write, said once at the end
        self.index_written = False
        self.trials_found = False
        self.previous_sigterm: Any = None

    def trials_found_now(self) -> None:
        """Turn on the JSON report and make SIGTERM an interrupt, so a report gets written."""
        if self.trials_found:
            return
        self.trials_found = True
        if self.settings.report:
            jsonreport.turn_on(self.config, self.settings.report_dir, self.context.run.started)
        try:
            self.previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
        except ValueError:  # not the main thread: leave signals alone
            self.previous_sigterm = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist this process collected: trials or resumed results make it a sweep session."""
        if self.context.resumed or any(case_of(item) for item in session.items):
            self.trials_found_now()
        for item in session.items:
            case = case_of(item)
            if case is not None:
                self.collected.append(item.nodeid)
                spec = case.sweep.spec
                sweeps = self.specs.setdefault(spec.display, {})
                if isinstance(sweeps, dict):
                    sweeps[spec.name] = spec
        for record in self.context.resumed:
            self._gather(record)

    def pytest_report_collectionfinish(self) -> list[str]:
        """Say what constraints removed and what resume reuses (after collection, no xdist)."""
        self.notes_shown = len(self.context.notes)
        return list(self.context.notes) + self._estimate(self.collected, 1)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing: sweep files among a worker's ids say trials run."""
        if self.estimated:  # every worker collects alike: the first one's ids are the session's
            return
        files = {file for file in dict.fromkeys(n.partition("::")[0] for n in ids) if self.settings.is_sweep_file(file)}
        if files:
            self.trials_found_now()
        trials = [nodeid for nodeid in ids if "[" in nodeid and nodeid.partition("::")[0] in files]
        workers = int(getattr(node, "workerinput", {}).get("workercount", 1))
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in self._estimate(trials, workers):
            if reporter is not None:
                reporter.write_line(line)
        for file in files:
            self._specs_of(file)  # as the workers read it, before the trials run

    def _estimate(self, trials: list[str], workers: int) -> list[str]:
        """The line saying how long ``trials`` should take, if the store knows earlier runs of them."""
        self.estimated = True
        if not trials or not self.settings.store or not self.settings.store_path.exists():
            return []
        store = ResultStore(self.settings.store_path)
        try:
            durations = store.durations(trials, before=self.context.run.started)
        except StoreError:
            return []
        finally:
            store.close()
        found = estimate(trials, durations, workers)
        return [found.line()] if found else []

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Take resumed records and notes from the first worker that ends (they all collected alike)."""
        output = getattr(node, "workeroutput", None)
        if not output or "sweep_notes" not in output or self.heard_from_worker:
            return
        self.heard_from_worker = True
        self.context.notes.extend(output["sweep_notes"])
        self.context.resumed.extend(output["sweep_resumed"])
        if output["sweep_resumed"]:
            self.trials_found_now()
        for record in output["sweep_resumed"]:
            self._gather(record)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each trial's identity as it starts and its record as it ends; a dead worker's trial crashed."""
        identity = getattr(report, "sweep_identity", None)
        if identity is not None:
            self.identities[report.nodeid] = identity
            self.trials_found_now()
            return
        record = getattr(report, "sweep_record", None)
        if record is None and self._crashed(report):
            record = self._crashed_record(report)
        if record is not None:
            self.trials_found_now()
            self._gather(record, final=str(report.outcome) != "rerun")

    def _crashed(self, report: pytest.TestReport) -> bool:
        """A report xdist made for a worker that died running a trial (not one rerunfailures retries)."""
        if str(report.when) != "???" or str(report.outcome) == "rerun":
            return False
        return report.nodeid in self.identities or self.settings.is_sweep_file(report.nodeid)

    def _crashed_record(self, report: pytest.TestReport) -> Record:
        identity = self.identities.get(report.nodeid) or unknown_identity(report.nodeid)
        message = str(report.longrepr).strip().splitlines()
        return make_record(
            identity,
            outcome="crashed",
            message=message[0] if message else "worker crashed",
            duration_s=report.duration,
        )

    def _gather(self, record: Record, final: bool = True) -> None:
        """Keep ``record`` as its trial's latest, and tell the ``pytest_sweep_record`` hook if it is final."""
        self.records[record["nodeid"]] = record
        if final:
            self.config.hook.pytest_sweep_record(record=record, config=self.config)

    def all_records(self) -> list[Record]:
        """This session's records: from the reports, filled in from the store (a lost report loses nothing)."""
        records = dict(self.records)
        if self.settings.store:
            store = ResultStore(self.settings.store_path)
            try:
                stored = store.session_records(self.context.run.session)
            except StoreError:  # the worker said so when it could not write it; the reports hold the records
                stored = []
            finally:
                store.close()
            for raw in stored:
                if raw.get("nodeid") not in records:
                    record = normalize_record(raw)
                    self._gather(record)
                    records[record["nodeid"]] = record
        return list(records.values())

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        """After the trials, every gate: reported as a test of its own, so it fails the session as one.

        Inside the terminal's wrapper, so that the progress line of ``-q`` ends at 100% with the gates
        (under ``-v`` the trials' lines already showed 100% of the trials; the gates' lines follow).
        """
        finished = yield
        if self.trials_found:
            self._judge_gates(session)
        return finished

    def _judge_gates(self, session: pytest.Session) -> None:
        gates = judge_sweeps(
            self.all_records(),
            self._specs_of,
            self.settings.baseline or None,
            lambda file, why: self.problems.append(f"gates of {file} not judged: {why}"),
        )
        self.gates.update((gate.nodeid, gate) for gate in gates)
        session.testscollected += len(self.gates)  # the gates were not collected: they are tests all the same
        for gate in self.gates.values():
            for report in _gate_reports(gate):
                self.config.hook.pytest_runtest_logreport(report=report)
            if gate.outcome == "failed":
                self._rerun_with_last_failed(gate)

    def _specs_of(self, file: str) -> dict[str, SweepSpec] | str:
        """A sweep file's sweeps as collected, or read now (a file whose trials all resumed)."""
        if file not in self.specs:
            self.specs[file] = load_specs(self.settings.rootdir, file)
        return self.specs[file]

    def _rerun_with_last_failed(self, gate: GateResult) -> None:
        """``--lf`` next time reruns the repeats of a configuration whose gate failed (they passed alone)."""
        last_failed = getattr(self.config.pluginmanager.get_plugin("lfplugin"), "lastfailed", None)
        if isinstance(last_failed, dict):
            last_failed.update(dict.fromkeys(gate.trials, True))

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        """Give every trial's test in report.json its final record (a crashed one's too), and every gate its own."""
        for test in json_report.get("tests", []):
            nodeid = test.get("nodeid")
            if nodeid in self.records:
                test["metadata"] = self.records[nodeid]
            elif nodeid in self.gates:
                test["metadata"] = self.gates[nodeid].as_record()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report after the run, interrupted or not (controller only)."""
        if self.previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self.previous_sigterm)
        if not self.trials_found:
            return
        self.final_records = self.all_records()
        self._fail_orphaned_trials()
        _count_resumed_in_exit_status(session, self.context.resumed)
        if self.final_records and self.settings.report:
            self._write_report(session)
        self._finish_tracking()
        for problem in self.problems:  # each said once, in the warnings summary
            warn_about(self.settings.report_dir, problem)

    def _finish_tracking(self) -> None:
        """End this session's MLflow parent runs, with the report's plots (after the workers logged)."""
        tracker = self.context.tracker
        if tracker is None or tracker.failed or not self.final_records:
            return
        try:
            tracker.finish(self.final_records, self.settings.report_dir if self.index_written else None)
        except TrackingFailed as exc:
            self.problems.append(str(exc))

    def _fail_orphaned_trials(self) -> None:
        """Tell adaptive sweeps' studies that the trials of workers that died have failed."""
        crashed = {sweep_key(r) for r in self.final_records if r["outcome"] == "crashed"}
        if not crashed:
            return
        from .search.bayes import fail_running, study_location

        location = study_location(self.settings.storage, self.settings.report_dir)
        if "://" not in location and not Path(location).exists():
            return  # no adaptive sweep ran here
        try:
            fail_running(location, crashed, self.context.run.session)
        except Exception as exc:  # the study keeps them running; resume reruns them
            self.problems.append(f"could not fail the crashed trials in the Optuna study {location}: {exc}")

    def _write_report(self, session: pytest.Session) -> None:
        """The report files, published whole; a problem becomes a warning, never a failure."""
        from .report import ReportInterrupted, write_report
        from .report.publish import DeferredInterrupts

        with DeferredInterrupts() as interrupts:
            try:
                written = write_report(
                    self.final_records,
                    self.settings.report_dir,
                    jsonreport.report_text(self.config),
                    abandon=interrupts.abandon,
                    gates=[gate.as_record() for gate in self.gates.values()],
                    history=self.settings.history,
                )
                self.index_written = any(path.name == "index.html" for path in written)
            except ReportInterrupted:
                self.problems.append("report abandoned (Ctrl-C twice): the previous report is left as it was")
            except Exception as exc:  # a report problem must never hide the trial results
                self.problems.append(f"report not written: {type(exc).__name__}: {exc}")
        if interrupts.pressed:
            session.exitstatus = pytest.ExitCode.INTERRUPTED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Notes not shown at collection (xdist), and one line per sweep (controller only)."""
        notes = self.context.notes[self.notes_shown :]
        if not (self.final_records or notes):
            return
        from .report import summary_lines

        terminalreporter.section("sweeps")
        for line in notes:
            terminalreporter.write_line(line)
        out_dir = self.settings.report_dir if self.index_written else None
        for line in summary_lines(self.final_records, out_dir):
            terminalreporter.write_line(line)
        if self.settings.report and self.final_records and not self.index_written:
            terminalreporter.write_line("report: not written (see the warnings above)", yellow=True)


def _gate_reports(gate: GateResult) -> list[pytest.TestReport]:
    """The setup, call and teardown reports of a gate's test, as a test run by pytest would have."""
    line = gate.line - 1 if gate.line else None
    location = (gate.file, line, f"{gate.sweep}::gate[{gate.configuration}]")
    keywords: dict[str, Literal[1]] = {"gate": 1, gate.sweep: 1, gate.file: 1}
    longrepr: Any = None
    if gate.outcome == "failed":
        try:
            raise GateFailed(gate.message)
        except GateFailed:
            longrepr = pytest.ExceptionInfo.from_current().getrepr(style="value")
    elif gate.outcome == "skipped":
        longrepr = (gate.file, gate.line, f"Skipped: {gate.message}")  # shown as is: 1-based
    outcome = cast(Literal["passed", "failed", "skipped"], gate.outcome)
    return [
        pytest.TestReport(gate.nodeid, location, keywords, "passed", None, "setup"),
        pytest.TestReport(gate.nodeid, location, keywords, outcome, longrepr, "call"),
        pytest.TestReport(gate.nodeid, location, keywords, "passed", None, "teardown"),
    ]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _count_resumed_in_exit_status(session: pytest.Session, resumed: list[Record]) -> None:
    """Resumed trials count as run: a stored failure fails the session, and all-resumed is no error."""
    if not resumed or session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return
    failed = any(record["outcome"] != "passed" for record in resumed)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK

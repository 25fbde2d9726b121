"""`SweepController`: the role of the process that gathers results.

That is the only process without xdist, the controller with it. It keeps
every trial record, and after the session (also a failed or interrupted
one) writes the report and prints one line per sweep.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

import pytest

from . import jsonreport
from .collect import NOTES
from .settings import RUN, Settings
from .store import ResultStore
from .worker import RESUMED, trial_of


class SweepController:
    """Gathers trial records and writes the report after the session."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.records: dict[str, dict[str, Any]] = {}
        self.resumed: list[dict[str, Any]] = []
        self.final_records: list[dict[str, Any]] = []
        self.report_error = ""
        self.trials_found = False
        self.previous_sigterm: Any = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist, this process collected: switch on what a sweep session needs."""
        if any(trial_of(item) for item in session.items) or self.config.stash.get(RESUMED, None):
            self.trials_found_now()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Take the resumed records from the first worker that reports them (they all agree)."""
        resumed = getattr(node, "workeroutput", {}).get("sweep_resumed")
        if resumed and not self.resumed:
            self.resumed = resumed
            self.trials_found_now()

    def trials_found_now(self) -> None:
        """Turn on the JSON report and make SIGTERM an interrupt, so a report gets written."""
        if self.trials_found:
            return
        self.trials_found = True
        if self.settings.report and not self.config.option.collectonly:
            jsonreport.enable(self.config, self.settings.report_dir, self.config.stash[RUN].started)
        try:
            self.previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
        except ValueError:  # not the main thread: leave signals alone
            self.previous_sigterm = None

    def pytest_report_collectionfinish(self) -> list[str]:
        """Say what constraints removed and what resume reuses (after collection, no xdist)."""
        notes: list[str] = self.config.stash.get(NOTES, [])
        lines = list(notes)
        resumed = self.resumed_records
        if resumed:
            lines.append(f"sweep-resume: {len(resumed)} finished trials reused, not run again")
        return lines

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the latest record of every trial, and note trials whose worker died."""
        record = getattr(report, "sweep", None)
        crashed = str(report.when) == "???" and str(report.outcome) != "rerun"  # "rerun": retried
        if record is None and crashed and self.settings.is_sweep_file(report.nodeid):
            record = crashed_record(report)
        if record is not None:
            self.records[record["nodeid"]] = record
            self.trials_found_now()

    @property
    def resumed_records(self) -> list[dict[str, Any]]:
        """Stored results reused by ``--sweep-resume``: from the workers, or from this process."""
        return self.resumed or self.config.stash.get(RESUMED, [])

    def all_records(self) -> list[dict[str, Any]]:
        """Resumed trials, then this session's: from the reports, filled in from the store."""
        records = {record["nodeid"]: record for record in self.resumed_records}
        if self.settings.store:
            store = ResultStore(self.settings.store_path)
            records.update((r["nodeid"], r) for r in store.session_records(self.config.stash[RUN].session))
            store.close()
        records.update(self.records)
        return list(records.values())

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report after the run, interrupted or not (controller only)."""
        if self.previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self.previous_sigterm)
        if not self.trials_found:
            return
        self.final_records = self.all_records()
        _count_resumed_in_exit_status(session, self.resumed_records)
        if not (self.final_records and self.settings.report):
            return
        try:
            from .report import write_report

            write_report(self.final_records, self.settings.report_dir)
        except Exception as exc:  # a report problem must never hide the trial results
            self.report_error = f"{type(exc).__name__}: {exc}"

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line per sweep: trials by outcome and the best trial (controller only)."""
        if not self.final_records:
            return
        from .report import summary_lines

        terminalreporter.section("sweeps")
        out_dir = self.settings.report_dir if self.settings.report else None
        for line in summary_lines(self.final_records, out_dir):
            terminalreporter.write_line(line)
        if self.report_error:
            terminalreporter.write_line(f"sweep report failed: {self.report_error}", red=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _count_resumed_in_exit_status(session: pytest.Session, resumed: list[dict[str, Any]]) -> None:
    """Resumed trials count as run: a stored failure fails the session, and all-resumed is no error."""
    if not resumed or session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return
    failed = any(record["outcome"] != "passed" for record in resumed)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK


def crashed_record(report: pytest.TestReport) -> dict[str, Any]:
    """A record for a trial whose worker died: only its name and the crash text."""
    path, _, name = report.nodeid.partition("::")
    sweep, _, trial = name.partition("[")
    message = str(report.longrepr).strip().splitlines()
    return {
        "sweep": sweep,
        "file": path,
        "trial": trial.removesuffix("]"),
        "nodeid": report.nodeid,
        "outcome": "crashed",
        "duration_s": report.duration,
        "params": {},
        "metrics": {},
        "history": [],
        "message": message[0] if message else "worker crashed",
    }

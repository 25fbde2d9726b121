"""`Reporter`: after the session, on the process that gathers results: the report, and one line per sweep.

Also after a failed or interrupted session. The final records go to the
``pytest_sweep_finish`` hook (the plugin's own implementation fails the
trials dead workers left running in adaptive sweeps' studies), then to the
report files and MLflow; what the plugin could not read or write is said
once, in the warnings summary, and never fails the session. Last, what the
session took is kept in the store, for the next session's estimate.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from ..errors import warn_about
from ..records import Outcome, Record, ResultStore, StoreError, session_time
from . import jsonreport
from .announcer import Announcer
from .context import SweepContext
from .gatekeeper import Gatekeeper
from .gathering import TrialLog
from .interrupts import DeferredInterrupts
from .session import TrialsFound
from .tracking import TrackingFailed


class Reporter:
    """Writes the report after the session and prints the ``sweeps`` section of the terminal summary."""

    def __init__(
        self,
        config: pytest.Config,
        context: SweepContext,
        parts: tuple[TrialsFound, TrialLog, Announcer, Gatekeeper],
        problems: list[str],
    ) -> None:
        self.config = config
        self.context = context
        self.found, self.log, self.announcer, self.gatekeeper = parts
        self.problems = problems  # what the plugin could not read or write, said once at the end
        self.final: list[Record] = []
        self.index_written = False

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report after the run, interrupted or not."""
        self.found.sigterm.stop()
        if self.context.usage_errors:  # what the xdist workers refused: said as pytest says a usage error
            for error in dict.fromkeys(self.context.usage_errors):
                sys.stderr.write(f"ERROR: {error}\n")
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        if not self.found.on:
            return
        self.final = self.log.all_records()
        self.config.hook.pytest_sweep_finish(records=self.ran_now, config=self.config)
        _count_resumed_in_exit_status(session, self.context.resumed)
        if self.final and self.context.settings.report:
            self._write_report(session)
        self._finish_tracking()
        self._keep_session_time(session)
        for problem in self.problems:  # each said once, in the warnings summary
            warn_about(self.context.settings.report_dir, problem)

    @property
    def ran_now(self) -> list[Record]:
        """The session's own records: those a continuation carried from earlier sessions left out."""
        return [record for record in self.final if not record.get("carried")]

    def _write_report(self, session: pytest.Session) -> None:
        """The report files, published whole; a problem becomes a warning, never a failure."""
        from ..report import ReportInterrupted, write_report

        settings = self.context.settings
        with DeferredInterrupts() as interrupts:
            try:
                written = write_report(
                    self.final,
                    settings.report_dir,
                    jsonreport.report_text(self.config, [*self.context.resumed, *self.context.carried]),
                    abandon=interrupts.abandon,
                    gates=[gate.as_record() for gate in self.gatekeeper.gates.values()],
                    history=settings.history,
                )
                self.index_written = any(path.name == "index.html" for path in written)
            except ReportInterrupted:
                self.problems.append("report abandoned (Ctrl-C twice): the previous report is left as it was")
            except Exception as exc:  # a report problem must never hide the trial results
                self.problems.append(f"report not written: {type(exc).__name__}: {exc}")
        if interrupts.pressed:
            session.exitstatus = pytest.ExitCode.INTERRUPTED

    def _finish_tracking(self) -> None:
        """End this session's MLflow parent runs, with the report's plots (after the workers logged)."""
        tracker = self.context.tracker
        if tracker is None or tracker.failed or not self.final:
            return
        try:
            tracker.finish(self.ran_now, self.context.settings.report_dir if self.index_written else None)
        except TrackingFailed as exc:
            self.problems.append(str(exc))

    def _keep_session_time(self, session: pytest.Session) -> None:
        """Store the session's wall time and its trials' durations, so later estimates include its overhead.

        Only a session that ran to its end counts: an interrupted one stopped anywhere, and
        ``--collect-only`` ran nothing. Resumed sessions count (their reused trials are not in the
        trials' time; the start-up, collection and report are there as in any session), and
        ``--sweep-no-report`` ones too, marked as such: an estimate uses only the sessions that
        wrote a report, or not, as it will. A store that cannot be written is left quiet: only the
        next estimate misses the figure, and the workers warn when it fails the trials' records.
        """
        settings = self.context.settings
        ended = session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if not (settings.store and self.final and ended) or self.config.option.collectonly:
            return
        ran = [record["duration_s"] for record in self.ran_now if not record.get("resumed")]
        durations = [float(seconds) for seconds in ran if seconds is not None]
        took = session_time(time.time() - self.context.run.started, durations, self.announcer.workers, settings.report)
        store = ResultStore(settings.store_path)
        try:
            store.put_session(self.context.run.session, took)
        except StoreError:
            pass
        finally:
            store.close()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Notes not shown at collection (xdist), and one line per sweep."""
        notes = self.announcer.unshown
        if not (self.final or notes):
            return
        from ..report import summary_lines

        terminalreporter.section("sweeps")
        for line in notes:
            terminalreporter.write_line(line)
        out_dir = self.context.settings.report_dir if self.index_written else None
        for line in summary_lines(self.final, out_dir):
            terminalreporter.write_line(line)
        if self.context.settings.report and self.final and not self.index_written:
            terminalreporter.write_line("report: not written (see the warnings above)", yellow=True)


def _count_resumed_in_exit_status(session: pytest.Session, resumed: list[Record]) -> None:
    """Resumed trials count as run: a stored failure fails the session, and all-resumed is no error."""
    if not resumed or session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        return
    failed = any(record["outcome"] != Outcome.PASSED for record in resumed)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK

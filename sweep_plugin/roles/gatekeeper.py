"""`Gatekeeper`: each configuration's gate, judged after the trials and reported as a test of its own.

A gate sees every repeat whichever worker ran it, so the process that
gathers results judges it, from the sweep as collected (under xdist, as
the workers read the file). Reported as ``<file>::<sweep>::gate[<configuration>]``,
a failed gate fails the session like a failed test: a ``FAILED`` line, the
exit code, JUnit and report.json, and ``--lf`` reruns its repeats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import pytest

from ..collection import case_of
from ..records import Outcome
from ..spec import SweepSpec
from ..verdicts import GateResult, judge_sweeps, load_specs
from .context import SweepContext
from .gathering import TrialLog
from .session import TrialsFound

if TYPE_CHECKING:
    # pytest exports this class only as ``pytest.fail.Exception``.
    from _pytest.outcomes import Failed
else:
    Failed = pytest.fail.Exception


class GateFailed(Failed):
    """A configuration's repeats missed its ``gate:`` or regressed against the baseline."""

    __module__ = "builtins"

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


class Gatekeeper:
    """Judges the gates of the session's sweeps once their trials ran; `gates` by node id."""

    def __init__(
        self, config: pytest.Config, context: SweepContext, found: TrialsFound, log: TrialLog, problems: list[str]
    ) -> None:
        self.config = config
        self.context = context
        self.found = found
        self.log = log
        self.problems = problems  # said once at the end
        self.specs: dict[str, dict[str, SweepSpec] | str] = {}  # each sweep file's sweeps as collected, or why not
        self.gates: dict[str, GateResult] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist: the sweeps as this process collected them."""
        for item in session.items:
            case = case_of(item)
            if case is not None:
                sweeps = self.specs.setdefault(case.sweep.spec.display, {})
                if isinstance(sweeps, dict):
                    sweeps[case.sweep.spec.name] = case.sweep.spec

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist: each sweep file among a worker's ids, read as the workers read it, before the trials run."""
        settings = self.context.settings
        for file in dict.fromkeys(nodeid.partition("::")[0] for nodeid in ids):
            if settings.is_sweep_file(file):
                self._specs_of(file)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        """After the trials, every gate: reported as a test of its own, so it fails the session as one.

        Inside the terminal's wrapper, so that the progress line of ``-q`` ends at 100% with the gates
        (under ``-v`` the trials' lines already showed 100% of the trials; the gates' lines follow).
        """
        finished = yield
        if self.found.on:
            self._judge(session)
        return finished

    def _judge(self, session: pytest.Session) -> None:
        gates = judge_sweeps(
            [record for record in self.log.all_records() if not record.get("carried")],  # judged when they ran
            self._specs_of,
            self.context.baseline if self.context.settings.baseline is not None else None,
            lambda file, why: self.problems.append(f"gates of {file} not judged: {why}"),
        )
        self.gates.update((gate.nodeid, gate) for gate in gates)
        session.testscollected += len(self.gates)  # the gates were not collected: they are tests all the same
        for gate in self.gates.values():
            for report in gate_reports(gate):
                self.config.hook.pytest_runtest_logreport(report=report)
            if gate.outcome == Outcome.FAILED:
                self._rerun_with_last_failed(gate)

    def _specs_of(self, file: str) -> dict[str, SweepSpec] | str:
        """A sweep file's sweeps as collected, or read now (a file whose trials all resumed)."""
        if file not in self.specs:
            self.specs[file] = load_specs(self.context.settings.rootdir, file)
        return self.specs[file]

    def _rerun_with_last_failed(self, gate: GateResult) -> None:
        """``--lf`` next time reruns the repeats of a configuration whose gate failed (they passed alone)."""
        last_failed = getattr(self.config.pluginmanager.get_plugin("lfplugin"), "lastfailed", None)
        if isinstance(last_failed, dict):
            last_failed.update(dict.fromkeys(gate.trials, True))

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        """Give every gate's test in report.json its own record."""
        for test in json_report.get("tests", []):
            if test.get("nodeid") in self.gates:
                test["metadata"] = self.gates[test["nodeid"]].as_record()


def gate_reports(gate: GateResult) -> list[pytest.TestReport]:
    """The setup, call and teardown reports of a gate's test, as a test run by pytest would have."""
    line = gate.line - 1 if gate.line else None
    location = (gate.file, line, f"{gate.sweep}::gate[{gate.configuration}]")
    keywords: dict[str, Literal[1]] = {"gate": 1, gate.sweep: 1, gate.file: 1}
    longrepr: Any = None
    if gate.outcome == Outcome.FAILED:
        try:
            raise GateFailed(gate.message)
        except GateFailed:
            longrepr = pytest.ExceptionInfo.from_current().getrepr(style="value")
    elif gate.outcome == Outcome.SKIPPED:
        longrepr = (gate.file, gate.line, f"Skipped: {gate.message}")  # shown as is: 1-based
    outcome = cast(Literal["passed", "failed", "skipped"], gate.outcome.value)
    return [
        pytest.TestReport(gate.nodeid, location, keywords, "passed", None, "setup"),
        pytest.TestReport(gate.nodeid, location, keywords, outcome, longrepr, "call"),
        pytest.TestReport(gate.nodeid, location, keywords, "passed", None, "teardown"),
    ]

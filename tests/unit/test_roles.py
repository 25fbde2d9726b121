"""The roles' parts, called directly: what each keeps and says, without a pytest session."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from sweep_plugin.records import Outcome, Record, ResultStore, make_record, session_time, unknown_identity
from sweep_plugin.roles.announcer import Announcer
from sweep_plugin.roles.context import SweepContext
from sweep_plugin.roles.gatekeeper import GateFailed, Gatekeeper, gate_reports
from sweep_plugin.roles.gathering import TrialLog
from sweep_plugin.roles.interrupts import DeferredInterrupts, SigtermAsInterrupt
from sweep_plugin.roles.reporter import Reporter, _count_resumed_in_exit_status
from sweep_plugin.roles.session import TrialsFound
from sweep_plugin.settings import Run, Settings
from sweep_plugin.verdicts import GateResult


class Heard:
    """A stand-in for ``config.hook``: what the plugin told ``pytest_sweep_record``."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def pytest_sweep_record(self, record: Record, config: object) -> None:
        self.records.append(record)


def context(tmp_path: Path, **settings: Any) -> SweepContext:
    values: dict[str, Any] = {"rootdir": tmp_path, "patterns": ("sweep_*.yaml",), "report_dir": tmp_path / "reports"}
    return SweepContext(Settings(**{**values, **settings}), Run("session-1", time.time() + 60))


def config(heard: Heard | None = None) -> pytest.Config:
    return cast(pytest.Config, SimpleNamespace(hook=heard or Heard(), pluginmanager=SimpleNamespace()))


class Found(TrialsFound):
    """The switch, without the JSON report or signals it would turn on."""

    def __init__(self) -> None:
        self.on = False

    def now(self) -> None:
        self.on = True


def report(nodeid: str, **extra: Any) -> pytest.TestReport:
    made = pytest.TestReport(nodeid, ("f", 0, "t"), {}, extra.pop("outcome", "passed"), None, extra.pop("when", "call"))
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def record(nodeid: str, outcome: Outcome = Outcome.PASSED, **fields: Any) -> Record:
    return make_record(unknown_identity(nodeid), outcome=outcome, **fields)


def test_the_log_keeps_each_trials_latest_record_and_tells_the_hook_of_final_ones(tmp_path: Path) -> None:
    heard, found = Heard(), Found()
    log = TrialLog(config(heard), context(tmp_path, store=False), found)
    first = record("sweep_a.yaml::a[x:1]", Outcome.ERROR)
    log.pytest_runtest_logreport(report(first["nodeid"], outcome="rerun", sweep_record=first))
    assert found.on and heard.records == []  # a rerun is not final
    last = record("sweep_a.yaml::a[x:1]")
    log.pytest_runtest_logreport(report(last["nodeid"], sweep_record=last))
    assert log.all_records() == [last] and heard.records == [last]


def test_a_trial_whose_worker_died_is_crashed_with_the_identity_it_started_with(tmp_path: Path) -> None:
    log = TrialLog(config(), context(tmp_path, store=False), Found())
    identity = {**unknown_identity("sweep_a.yaml::a[x:1]"), "params": {"x": 1}}
    log.pytest_runtest_logreport(report("sweep_a.yaml::a[x:1]", when="setup", sweep_identity=identity))
    dead = report("sweep_a.yaml::a[x:1]", when="???", outcome="failed", duration=2.0)
    dead.longrepr = "worker 'gw0' crashed while running 'sweep_a.yaml::a[x:1]'"
    log.pytest_runtest_logreport(dead)
    (crashed,) = log.all_records()
    assert (crashed["outcome"], crashed["params"], crashed["duration_s"]) == ("crashed", {"x": 1}, 2.0)
    assert crashed["message"].startswith("worker 'gw0' crashed")
    other = report("test_plain.py::test_x", when="???", outcome="failed")
    log.pytest_runtest_logreport(other)  # not a trial: not the log's
    assert len(log.all_records()) == 1


def test_the_store_fills_in_what_a_lost_report_did_not_bring(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    store = ResultStore(ctx.settings.store_path)
    lost = record("sweep_a.yaml::a[x:2]", metrics={"acc": 0.5})
    store.put("session-1", lost)
    store.put("another-session", record("sweep_a.yaml::a[x:3]"))
    store.close()
    heard = Heard()
    log = TrialLog(config(heard), ctx, Found())
    log.gather(record("sweep_a.yaml::a[x:1]"))
    assert [r["nodeid"] for r in log.all_records()] == ["sweep_a.yaml::a[x:1]", "sweep_a.yaml::a[x:2]"]
    assert heard.records[-1]["metrics"] == {"acc": 0.5}


def test_what_the_first_worker_found_is_kept_once(tmp_path: Path) -> None:
    ctx, found = context(tmp_path, store=False), Found()
    log = TrialLog(config(), ctx, found)
    resumed = record("sweep_a.yaml::a[x:1]", resumed=True)
    node = SimpleNamespace(workeroutput={"sweep_resumed": [resumed], "sweep_notes": ["reused 1"]})
    log.pytest_testnodedown(node, None)
    log.pytest_testnodedown(node, None)  # every worker collected alike
    assert found.on and ctx.resumed == [resumed] and log.all_records() == [resumed]
    assert ctx.notes == ["reused 1"]


def test_the_announcer_says_notes_once_and_keeps_the_workers_for_the_end(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    ctx.notes.append("constraints removed 2 of 6 grid points")
    announcer = Announcer(config(), ctx, Found())
    assert announcer.pytest_report_collectionfinish() == ["constraints removed 2 of 6 grid points"]
    ctx.notes.append("sweep-resume: 3 reused")  # a worker's, heard when it ended
    assert announcer.unshown == ["sweep-resume: 3 reused"]


def test_the_estimate_comes_from_earlier_runs_durations(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    store = ResultStore(ctx.settings.store_path)
    for trial, seconds in (("x:1", 30.0), ("x:2", 90.0)):
        store.put("earlier", record(f"sweep_a.yaml::a[{trial}]", duration_s=seconds))
    store.close()
    announcer = Announcer(config(), ctx, Found())
    announcer.collected = ["sweep_a.yaml::a[x:1]", "sweep_a.yaml::a[x:2]", "sweep_a.yaml::a[x:3]"]
    assert announcer.pytest_report_collectionfinish() == [
        "sweeps: about 3 min for 3 trials on 1 worker"
        " (trials 3 min, from 2 that ran before; session overhead not known yet, left out)"
    ]
    store = ResultStore(ctx.settings.store_path)
    store.put_session("earlier", session_time(150.0, [30.0, 90.0], 1, report=True))  # 30 s beyond its trials
    store.put_session("unreported", session_time(125.0, [30.0, 90.0], 1, report=False))  # not this session's kind
    store.close()
    announcer = Announcer(config(), ctx, Found())
    announcer.collected = ["sweep_a.yaml::a[x:1]", "sweep_a.yaml::a[x:2]", "sweep_a.yaml::a[x:3]"]
    assert announcer.pytest_report_collectionfinish() == [
        "sweeps: about 3 min 30 s for 3 trials on 1 worker"
        " (trials 3 min, from 2 that ran before; session overhead 30 s, the last session)"
    ]


@pytest.mark.parametrize(
    ("exitstatus", "collectonly", "kept"),
    [(pytest.ExitCode.TESTS_FAILED, False, True), (pytest.ExitCode.INTERRUPTED, False, False), (0, True, False)],
)
def test_a_session_that_ran_to_its_end_keeps_its_time_without_resumed_trials(
    tmp_path: Path, exitstatus: int, collectonly: bool, kept: bool
) -> None:
    ctx = context(tmp_path)
    ctx.run = Run("session-1", time.time() - 20)
    found = Found()
    announcer = Announcer(config(), ctx, found)
    announcer.workers = 2
    made = cast(pytest.Config, SimpleNamespace(option=SimpleNamespace(collectonly=collectonly)))
    reporter = Reporter(made, ctx, (found, TrialLog(made, ctx, found), announcer, cast(Gatekeeper, None)), [])
    reporter.final = [
        record("sweep_a.yaml::a[x:1]", duration_s=4.0),
        record("sweep_a.yaml::a[x:2]", duration_s=6.0),
        record("sweep_a.yaml::a[x:3]", duration_s=99.0, resumed=True),  # it did not run here
    ]
    reporter._keep_session_time(cast(pytest.Session, SimpleNamespace(exitstatus=exitstatus)))
    store = ResultStore(ctx.settings.store_path)
    sessions = store.sessions(before=float("inf"), report=True, last=5)
    store.close()
    if not kept:
        assert sessions == []
        return
    (took,) = sessions
    assert (took.trials, took.workers, took.trial_s, took.longest_s) == (2, 2, 10.0, 6.0)
    assert 20.0 - 6.0 <= took.overhead < 30.0 - 6.0  # the wall time since the run started, less the trials' part


def gate(outcome: Outcome, message: str = "") -> GateResult:
    return GateResult(
        "sweep_g.yaml", "g", "lr:0.1", 7, {"lr": 0.1}, ("sweep_g.yaml::g[lr:0.1-seed:0]",), outcome, message
    )


def test_a_gate_is_reported_as_a_test_of_its_own() -> None:
    setup, call, teardown = gate_reports(gate(Outcome.FAILED, "mean(acc) >= 0.9: mean(acc) = 0.7"))
    assert call.nodeid == "sweep_g.yaml::g::gate[lr:0.1]" and call.location == ("sweep_g.yaml", 6, "g::gate[lr:0.1]")
    assert (setup.outcome, call.outcome, teardown.outcome) == ("passed", "failed", "passed")
    assert cast(Any, call.longrepr).reprcrash.message == "GateFailed: mean(acc) >= 0.9: mean(acc) = 0.7"
    assert call.longreprtext == "mean(acc) >= 0.9: mean(acc) = 0.7"  # no traceback of the plugin's
    assert GateFailed.__module__ == "builtins"
    _, skipped, _ = gate_reports(gate(Outcome.SKIPPED, "2 of 4 repeats ran"))
    assert skipped.outcome == "skipped" and skipped.longrepr == ("sweep_g.yaml", 7, "Skipped: 2 of 4 repeats ran")
    _, passed, _ = gate_reports(gate(Outcome.PASSED))
    assert passed.outcome == "passed" and passed.longrepr is None


@pytest.mark.parametrize(
    ("status", "outcomes", "expected"),
    [
        (pytest.ExitCode.NO_TESTS_COLLECTED, ["passed"], pytest.ExitCode.OK),  # all resumed: no error
        (pytest.ExitCode.OK, ["passed", "failed"], pytest.ExitCode.TESTS_FAILED),  # a stored failure fails
        (pytest.ExitCode.INTERRUPTED, ["failed"], pytest.ExitCode.INTERRUPTED),  # left as it is
        (pytest.ExitCode.OK, [], pytest.ExitCode.OK),
    ],
)
def test_resumed_trials_count_in_the_exit_status(
    status: pytest.ExitCode, outcomes: list[str], expected: pytest.ExitCode
) -> None:
    session = SimpleNamespace(exitstatus=status)
    resumed = [record(f"s.yaml::s[x:{i}]", Outcome(outcome)) for i, outcome in enumerate(outcomes)]
    _count_resumed_in_exit_status(cast(pytest.Session, session), resumed)
    assert session.exitstatus == expected


def test_sigterm_is_an_interrupt_only_while_trials_run() -> None:
    before = signal.getsignal(signal.SIGTERM)
    sigterm = SigtermAsInterrupt()
    sigterm.start()
    with pytest.raises(KeyboardInterrupt, match="signal 15"):
        signal.raise_signal(signal.SIGTERM)
    sigterm.stop()
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_ctrl_c_abandons_the_report_and_neither_raises() -> None:
    before = signal.getsignal(signal.SIGINT)
    with DeferredInterrupts() as interrupts:
        signal.raise_signal(signal.SIGINT)
        assert interrupts.pressed == 1 and not interrupts.abandon()
        signal.raise_signal(signal.SIGINT)
        assert interrupts.abandon()
    assert signal.getsignal(signal.SIGINT) is before

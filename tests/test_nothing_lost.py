"""Nothing lost after ordinary faults and continuations (issue 17): resumed trials stay in every report."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time

import pytest
from postgres import PostgresServer

from sweep_plugin.cli import main

MODEL = """
def train(config):
    return {"acc": config["x"] / 10}
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_an_all_resumed_session_keeps_its_trials_in_report_json_and_any_rebuild(
    pytester: pytest.Pytester, processes: str
) -> None:
    """Issue 17: report.json of an all-resumed session held no trials, so a rebuild from it lost them."""
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_r="experiment: model:train\nparameters: {x: [1, 2, 3]}\nexpect: [acc > 0.15]\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2, failed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--sweep-resume", "-n", processes)
    result.assert_outcomes(deselected=3 if processes == "0" else 0)  # xdist's workers deselect, unseen
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the stored failure still fails the session
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    assert sorted((test["nodeid"], test["outcome"], test["resumed"]) for test in tests) == [
        ("sweep_r.yaml::r[x:1]", "failed", True),
        ("sweep_r.yaml::r[x:2]", "passed", True),
        ("sweep_r.yaml::r[x:3]", "passed", True),
    ]
    assert (
        main(["report", str(pytester.path / "reports" / "report.json"), "--out", str(pytester.path / "rebuilt")]) == 0
    )
    with (pytester.path / "rebuilt" / "summary.csv").open() as handle:
        rows = {row["trial"]: row for row in csv.DictReader(handle)}
    assert {trial: (row["outcome"], row["resumed"]) for trial, row in rows.items()} == {
        "x:1": ("failed", "True"),
        "x:2": ("passed", "True"),
        "x:3": ("passed", "True"),
    }


BAYES = """
experiment: model:train
method: bayes
trials: 4
parameters: {x: {min: 0.0, max: 10.0}}
metric: {name: acc, goal: maximize}
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_torn_journal_line_loses_no_study(pytester: pytest.Pytester, processes: str) -> None:
    """Issue 17: a line torn by a kill (or a full disk) was glued to the next session's first append, and every
    session after that was an INTERNALERROR (JSONDecodeError). The tear is mended, every whole record kept."""
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_b=BAYES)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)
    journal = pytester.path / "reports" / "optuna.journal"
    whole = journal.read_bytes()
    with journal.open("ab") as handle:
        handle.write(b'{"op_code":4,"worker_id":"killed","study_id":0,"datetime_st')
    second = pytester.runpytest("-p", "no:cacheprovider", "--sweep-resume", "-n", processes)
    second.assert_outcomes(deselected=4 if processes == "0" else 0)
    second.stdout.fnmatch_lines(["*the Optuna journal had 1 torn line(s)*: set aside, * whole records kept*"])
    mended = journal.read_bytes()
    assert mended.startswith(whole) and b"killed" not in mended  # cut back to its whole records, in place
    pytester.makefile(".yaml", sweep_b=BAYES.replace("trials: 4", "trials: 6"))  # the study continued, on
    third = pytester.runpytest("-p", "no:cacheprovider", "--sweep-resume", "-n", processes)
    assert third.ret == pytest.ExitCode.OK, third.stdout.str()
    assert "INTERNALERROR" not in third.stdout.str() + third.stderr.str()
    third.stdout.fnmatch_lines(["b: 6 trials: 6 passed (4 resumed)*"])


KILLER = """
import os, signal
from pathlib import Path

def train(config):
    calls = Path("calls.log")
    calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
    if Path("kill-once").exists() and len(calls.read_text()) == 3:
        Path("kill-once").unlink()
        os.kill(os.getpid(), signal.SIGKILL)  # the whole session, as kill -9 would: no clean-up runs
    return {"acc": config["x"] / 10}
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_slot_a_killed_session_left_running_is_run_again(pytester: pytest.Pytester, processes: str) -> None:
    """Issue 17: after kill -9, the slot the session was running stayed RUNNING in the study and every
    --sweep-resume skipped it as another session's, for ever. Its session stopped beating: it runs again."""
    import optuna

    pytester.makepyfile(model=KILLER)
    pytester.makefile(".yaml", sweep_b=BAYES.replace("trials: 4", "trials: 5"))
    (pytester.path / "kill-once").touch()
    killed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sweep-heartbeat", "1")
    assert killed.ret == -9
    journal = str(pytester.path / "reports" / "optuna.journal")
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal))
    (study,) = optuna.get_all_study_summaries(storage)
    states = [t.state.name for t in optuna.load_study(study_name=study.study_name, storage=storage).trials]
    assert states == ["COMPLETE", "COMPLETE", "RUNNING"]
    time.sleep(3.5)  # three beats of the killed session missed
    args = ("-p", "no:cacheprovider", "--sweep-resume", "--sweep-heartbeat", "1", "-n", processes)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["b: 5 trials: 5 passed (2 resumed)*"])
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal))
    trials = optuna.load_study(study_name=study.study_name, storage=storage).trials
    assert sorted(t.state.name for t in trials) == ["COMPLETE"] * 5 + ["FAIL"]  # the dead one failed, not lost


HUGE = """
def train(config):
    if config["x"] == 1:
        return {"acc": 0.9, "note": "y" * 5_000_000}
    if config["x"] == 2:
        raise RuntimeError("z" * 5_000_000 + " the end")
    return {"acc": 0.5}
"""


def test_a_huge_value_is_not_copied_into_every_report_file(pytester: pytest.Pytester) -> None:
    """Issue 17: a 5 MB metric value or message was copied into each report file (67 MB of reports)."""
    pytester.makepyfile(model=HUGE)
    pytester.makefile(".yaml", sweep_h="experiment: model:train\nparameters: {x: [1, 2, 3]}\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1, failed=2)
    reports = pytester.path / "reports"
    sizes = {path.name: path.stat().st_size for path in reports.rglob("*") if path.is_file()}
    assert sum(sizes.values()) < 1_000_000, sizes
    with (reports / "summary.csv").open() as handle:
        rows = {row["trial"]: row for row in csv.DictReader(handle)}
    assert rows["x:1"]["message"].startswith("TrialError: model:train returned {'acc': 0.9, 'note': 'yyy")
    assert "characters cut" in rows["x:2"]["message"] and rows["x:2"]["message"].endswith("the end")
    tests = json.loads((reports / "report.json").read_text())["tests"]
    assert {test["metadata"]["trial"] for test in tests} == {"x:1", "x:2", "x:3"}


STORAGE_DOWN = """
import optuna

told = optuna.study.Study.tell

def tell(self, trial, *args, **kwargs):
    if (trial if isinstance(trial, int) else trial.number) == 1:
        raise ConnectionError("the database went away")  # as a stopped PostgreSQL answers
    return told(self, trial, *args, **kwargs)

optuna.study.Study.tell = tell
"""


def test_a_trial_that_passed_while_the_storage_was_down_stays_in_the_next_report(pytester: pytest.Pytester) -> None:
    """Issue 17: with the study's storage down when a trial ended, the study kept it RUNNING, and the next
    --sweep-resume skipped it as another session's: a trial that had passed vanished from the report. Its
    stored result is reused, and the study hears it then."""
    import optuna

    pytester.makepyfile(model=MODEL)
    pytester.makeconftest(STORAGE_DOWN)
    pytester.makefile(".yaml", sweep_b=BAYES)
    first = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--sweep-heartbeat", "1")
    first.assert_outcomes(passed=4)
    first.stdout.fnmatch_lines(["*could not hear how trial:1 ended: the database went away*"])
    (pytester.path / "conftest.py").unlink()
    time.sleep(3.5)  # the first session's beats stopped with it
    result = pytester.runpytest("-p", "no:cacheprovider", "--sweep-resume", "--sweep-heartbeat", "1")
    result.assert_outcomes(deselected=4)
    result.stdout.fnmatch_lines(["b: 4 trials: 4 passed (4 resumed)*"])
    journal = str(pytester.path / "reports" / "optuna.journal")
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal))
    (summary,) = optuna.get_all_study_summaries(storage)
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4  # the study heard it at last


WAITS_FOR_THE_TEST = """
import time
from pathlib import Path

def train(config, trial):
    if trial.id == "trial:1":  # the test stops PostgreSQL while this trial runs
        Path("ready").touch()
        deadline = time.monotonic() + 60
        while not Path("go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return {"acc": config["x"] / 10}
"""


def test_a_trial_that_passed_while_postgresql_was_stopped_stays_in_the_next_report(
    pytester: pytest.Pytester, postgres_server: PostgresServer
) -> None:
    """Issue 17, on a real server: PostgreSQL stopped while trial:1 ran, so the study never heard it passed;
    the next --sweep-resume reuses its stored result, tells the study, and runs only what never ran."""
    import optuna

    pytester.makepyfile(model=WAITS_FOR_THE_TEST)
    pytester.makefile(".yaml", sweep_b=BAYES)
    args = ("-p", "no:cacheprovider", "--sweep-storage", postgres_server.url, "--sweep-heartbeat", "1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    first = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args], cwd=pytester.path, env=env, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not (pytester.path / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    postgres_server.stop()
    (pytester.path / "go").touch()
    output = first.communicate(timeout=120)[0]
    assert "INTERNALERROR" not in output, output
    assert "could not hear how trial:1 ended" in output, output
    postgres_server.start()
    time.sleep(3.5)  # the first session's beats have stopped
    result = pytester.runpytest(*args, "--sweep-resume")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["b: 4 trials: 4 passed (2 resumed)*"])  # trial:0, and trial:1 from the store
    storage = optuna.storages.RDBStorage(postgres_server.url)
    try:
        (summary,) = optuna.get_all_study_summaries(storage, False)
        trials = optuna.load_study(study_name=summary.study_name, storage=storage).trials
        completed = sorted(t.user_attrs["sweep"]["slot"] for t in trials if t.state.name == "COMPLETE")
    finally:
        storage.engine.dispose()
    assert completed == ["trial:0", "trial:1", "trial:2", "trial:3"]

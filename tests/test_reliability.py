"""Nothing lost: the result store, resume after kills and interrupts, crashes, retries.

Sessions that get killed run in their own process group (``start_new_session``),
so a trial can SIGKILL or interrupt its whole session without touching this one.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MODELS = """
import os, signal, sqlite3
from pathlib import Path

def train(config, trial):
    x = config["x"]
    with open("started.log", "a") as log:
        log.write(trial.id + "\\n")
    store = Path("reports/results.sqlite")
    try:  # what is on disk when this trial starts
        rows = sqlite3.connect(store).execute("SELECT count(*) FROM trials").fetchone()[0]
        (trial.dir / "stored_before.txt").write_text(str(rows))
    except sqlite3.OperationalError:  # no store yet
        pass
    action = os.environ.get("ACTION", "") if x == int(os.environ.get("AT", "-1")) else ""
    if action == "sigkill-session":
        os.killpg(os.getpgid(0), signal.SIGKILL)
    if action == "ctrl-c":  # a terminal sends SIGINT to the whole foreground group
        os.killpg(os.getpgid(0), signal.SIGINT)
        import time; time.sleep(5)
    if action == "sigterm":  # `kill PID` of the session
        os.kill(os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid(), signal.SIGTERM)
        import time; time.sleep(2)
    if action == "exit-worker":
        os._exit(3)
    flag = Path(f"attempted-{x}")
    if action == "flaky-error" and not flag.exists():
        flag.touch()
        raise RuntimeError("first attempt fails")
    if action == "flaky-crash" and not flag.exists():
        flag.touch()
        os._exit(3)
    return {"score": float(x)}
"""


def sweep(count: int = 6, extra: str = "") -> str:
    values = ", ".join(str(x) for x in range(1, count + 1))
    return f"experiment: models:train\nparameters:\n  x: [{values}]\nexpect: [score >= 2]\n{extra}"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_s=sweep())
    return pytester


@dataclass(frozen=True)
class Finished:
    """How a session ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_session(project: pytest.Pytester, *args: str, **env: str) -> Finished:
    """A pytest session; with ``env`` (a fault to inject: a kill, an interrupt) in its own process group, as a
    user's terminal would start it, else in this process (pytest and the report's libraries are imported)."""
    if not env:
        result = project.runpytest("-p", "no:cacheprovider", *args)
        return Finished(int(result.ret), result.stdout.str(), result.stderr.str())
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project.path,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}, **env},
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def started(project: pytest.Pytester) -> list[str]:
    log = project.path / "started.log"
    lines = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def finished(project: pytest.Pytester) -> set[str]:
    """Trials with a stored result that resume may reuse."""
    rows = sqlite3.connect(project.path / "reports" / "results.sqlite").execute("SELECT record FROM trials")
    records = [json.loads(record) for (record,) in rows]
    return {record["trial"] for record in records if record["outcome"] in ("passed", "failed")}


def summary(project: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (project.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


ALL = [f"x:{x}" for x in range(1, 7)]


def test_each_result_is_stored_before_the_next_trial_starts(project: pytest.Pytester) -> None:
    run_session(project)
    trials = project.path / "reports" / "s" / "trials"
    seen = [int((trials / trial_id.replace(":", "=") / "stored_before.txt").read_text()) for trial_id in ALL[1:]]
    assert seen == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("processes", ["0", "2"])
def test_resume_after_sigkill_runs_exactly_the_unfinished_trials(project: pytest.Pytester, processes: str) -> None:
    killed = run_session(project, "-n", processes, ACTION="sigkill-session", AT="4")
    assert killed.returncode == -signal.SIGKILL
    first = started(project)
    done = finished(project)
    assert "x:4" in first and "x:4" not in done
    resumed = run_session(project, "-n", processes, "--sweep-resume")
    assert resumed.returncode == 1, resumed.stdout  # x:1 misses score >= 2, stored or not
    assert sorted(started(project)) == sorted(set(ALL) - done)
    rows = summary(project)
    assert {trial: rows[trial]["outcome"] for trial in ALL} == {
        "x:1": "failed",
        **{trial: "passed" for trial in ALL[1:]},
    }
    assert {trial for trial in ALL if rows[trial]["resumed"] == "True"} == done
    assert f"({len(done)} resumed)" in resumed.stdout


@pytest.mark.parametrize("action", ["ctrl-c", "sigterm"])
@pytest.mark.parametrize("processes", ["0", "2"])
def test_interrupt_writes_the_partial_report_then_resume_finishes(
    project: pytest.Pytester, processes: str, action: str
) -> None:
    project.makefile(".yaml", sweep_s=sweep(12))
    interrupted = run_session(project, "-n", processes, ACTION=action, AT="9")
    assert interrupted.returncode == pytest.ExitCode.INTERRUPTED, interrupted.stdout + interrupted.stderr
    done = finished(project)
    assert done, "no trial finished before the interrupt"
    assert set(summary(project)) == done  # under xdist, workers may finish what they were sent
    started(project)
    run_session(project, "-n", processes, "--sweep-resume")
    every = {f"x:{x}" for x in range(1, 13)}
    assert sorted(started(project)) == sorted(every - done)
    assert set(summary(project)) == every


def test_resume_judges_stored_results_by_todays_expectations(project: pytest.Pytester) -> None:
    run_session(project)
    project.makefile(".yaml", sweep_s=sweep().replace("score >= 2", "score >= 1"))
    result = run_session(project, "--sweep-resume")
    assert result.returncode == 0, result.stdout
    assert started(project) == ALL  # the first run; nothing ran again
    assert "sweep-resume: 6 finished trials reused, not run again" in result.stdout
    assert {row["outcome"] for row in summary(project).values()} == {"passed"}


def test_a_changed_config_is_not_resumed(project: pytest.Pytester) -> None:
    run_session(project)
    started(project)
    project.makefile(".yaml", sweep_s=sweep(extra="config: {lr: 0.1}\n"))
    run_session(project, "--sweep-resume")
    assert started(project) == ALL


def test_a_trial_that_kills_its_worker_is_crashed_and_the_rest_run(project: pytest.Pytester) -> None:
    result = run_session(project, "-n", "2", ACTION="exit-worker", AT="3")
    assert result.returncode == 1
    rows = summary(project)
    assert rows["x:3"]["outcome"] == "crashed"
    assert "crashed" in rows["x:3"]["message"]
    assert {rows[t]["outcome"] for t in ALL if t not in ("x:1", "x:3")} == {"passed"}


@pytest.mark.parametrize(("processes", "action"), [("0", "flaky-error"), ("2", "flaky-error"), ("2", "flaky-crash")])
def test_retries_rerun_errors_and_crashes(project: pytest.Pytester, processes: str, action: str) -> None:
    project.makefile(".yaml", sweep_s=sweep(extra="retries: 2\n"))
    result = run_session(project, "-n", processes, ACTION=action, AT="4")
    rows = summary(project)
    assert rows["x:4"]["outcome"] == "passed", result.stdout
    assert rows["x:4"]["attempts"] == "2"
    assert started(project).count("x:4") == 2
    assert rows["x:1"]["attempts"] == "1"  # a missed expectation is not retried


def test_two_sessions_share_one_store(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_t=sweep(40).replace("models:train", "models:train\nname: t"))
    project.makefile(".yaml", sweep_u=sweep(40).replace("models:train", "models:train\nname: u"))
    sessions = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", name, "--sweep-no-report"],
            cwd=project.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("sweep_t.yaml", "sweep_u.yaml")
    ]
    outputs = [session.communicate(timeout=120)[0] for session in sessions]
    assert all("database is locked" not in output for output in outputs)
    rows = sqlite3.connect(project.path / "reports" / "results.sqlite").execute("SELECT nodeid FROM trials")
    assert len({nodeid for (nodeid,) in rows}) == 80


def test_store_can_be_switched_off(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsweep_store = false\n")
    run_session(project)
    assert not (Path(project.path) / "reports" / "results.sqlite").exists()
    assert len(summary(project)) == 6


def test_an_experiment_that_changes_its_config_is_still_resumed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        def train(config, trial):
            with open("started.log", "a") as log:
                log.write(trial.id + "\\n")
            config["derived"] = config["x"] * 2  # experiments do this
            config["nested"]["seen"] = True
            return {"score": float(config["derived"])}
        """
    )
    pytester.makefile(".yaml", sweep_m="experiment: models:train\nconfig: {nested: {a: 1}}\nparameters:\n  x: [1, 2]\n")
    run_session(pytester)
    assert started(pytester) == ["x:1", "x:2"]
    resumed = run_session(pytester, "--sweep-resume")
    assert resumed.returncode == 0, resumed.stdout
    assert started(pytester) == []
    assert {row["resumed"] for row in summary(pytester).values()} == {"True"}
    record = json.loads((pytester.path / "reports" / "report.json").read_text())
    # Nothing ran: report.json lists the reused trials, marked resumed (issue 17: it listed none, and a report
    # rebuilt from it lost them), with the config each trial was given.
    assert [(test["nodeid"], test["resumed"]) for test in record["tests"]] == [
        ("sweep_m.yaml::m[x:1]", True),
        ("sweep_m.yaml::m[x:2]", True),
    ]
    assert all("derived" not in test["metadata"]["config"] for test in record["tests"])
    with (pytester.path / "reports" / "m" / "best.yaml").open() as best:
        assert "derived" not in best.read()  # the record keeps the config the trial was given


def record_for(trial: str, digest: str, outcome: str = "passed") -> Any:
    from sweep_plugin.records import make_record, unknown_identity

    identity = unknown_identity(f"sweep_s.yaml::s[{trial}]")
    identity["hash"] = digest
    return make_record(identity, outcome=outcome)


def test_resume_reads_only_the_trials_asked_for(tmp_path: Path) -> None:
    from sweep_plugin.records import ResultStore

    store = ResultStore(tmp_path / "results.sqlite")
    for session in range(5):  # history: earlier sessions of many trials
        for n in range(200):
            store.put(f"old{session}", record_for(f"x:{n}", f"h{n}"))
    store.put("new", record_for("x:1", "h1", outcome="failed"))
    store.put("new", record_for("x:7", "h7", outcome="error"))
    found = store.finished(["h1", "h7", "missing"], before=float("inf"))
    assert set(found) == {"h1", "h7"}
    assert json.loads(found["h1"])["outcome"] == "failed"  # the latest finished one
    assert json.loads(found["h7"])["outcome"] == "passed"  # an error is not finished
    assert store.finished([], before=float("inf")) == {}


def test_resume_reruns_trials_whose_code_changed_and_says_so(project: pytest.Pytester) -> None:
    run_session(project)
    started(project)
    models = project.path / "models.py"
    models.write_text(models.read_text().replace('return {"score": float(x)}', 'return {"score": 2.0 * x}'))
    result = run_session(project, "--sweep-resume")
    expected = "sweep-resume: 0 finished trials reused, not run again; 6 stored results set aside because their code"
    assert expected + " changed" in result.stdout
    assert sorted(started(project)) == sorted(ALL)
    assert result.returncode == 0, result.stdout  # x:1 now scores 2: it passes
    again = run_session(project, "--sweep-resume")
    assert "sweep-resume: 6 finished trials reused, not run again" in again.stdout
    assert started(project) == []


def test_a_sweep_never_resumes_another_sweeps_results(project: pytest.Pytester) -> None:
    run_session(project)
    started(project)
    project.makefile(".yaml", sweep_s=sweep().replace("experiment:", "name: other\nexperiment:"))
    run_session(project, "--sweep-resume")
    assert sorted(started(project)) == sorted(ALL)  # same config and experiment, another sweep: runs

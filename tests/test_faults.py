"""Faults injected into real sessions: a finished trial's result is never lost or mixed up, and a
problem with the store or the report is a warning that never changes the outcomes or the exit code.

A session that a fault may kill, interrupt or limit runs as a subprocess (its own process group),
so the fault never touches this test process; the others run in this process.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

MODELS = """
def train(config, trial):
    trial.log(step=0, score=0.0)
    return {"score": float(config["x"])}
"""
SWEEP = "experiment: models:train\nparameters:\n  x: [1, 2, 3, 4]\nexpect: [score >= 1]\ntimeout: 5\n"
INSIDES = ("INTERNALERROR", "Traceback (most recent call last)", "Fatal Python error")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_f=SWEEP)
    return pytester


@dataclass(frozen=True)
class Finished:
    """How a session ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def session(
    project: pytest.Pytester, *args: str, limit_bytes: int | None = None, own_process: bool = False
) -> Finished:
    """A pytest session as a user starts it; ``limit_bytes`` makes every file stop growing there (a full disk).

    A session runs in this process (pytest and the report's libraries are imported already), unless it is
    limited or ``own_process`` says a fault will interrupt it: then in a process group of its own.
    """
    if limit_bytes is None and not own_process:
        result = project.runpytest("-p", "no:cacheprovider", "-rw", *args)
        return Finished(int(result.ret), result.stdout.str(), result.stderr.str())

    def limit() -> None:
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rw", *args],
        cwd=project.path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")},
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,
        preexec_fn=limit,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def assert_clean(result: Finished, code: int = 0) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert not [inside for inside in INSIDES if inside in output], output
    assert "sweep_plugin/" not in result.stderr, output


def summary_trials(folder: Path) -> list[str]:
    with (folder / "summary.csv").open(newline="") as handle:
        return sorted(row["trial"] for row in csv.DictReader(handle))


ALL = ["x:1", "x:2", "x:3", "x:4"]


@pytest.mark.parametrize("args", [(), ("-n", "2"), ("--sweep-no-report",)])
def test_an_unwritable_report_folder_is_a_warning_and_the_run_passes(
    project: pytest.Pytester, args: tuple[str, ...]
) -> None:
    (project.path / "blocker").write_text("a file where the report folder would go")
    result = session(project, "--sweep-report-dir", "blocker/reports", *args)
    assert_clean(result)
    assert "4 passed" in result.stdout
    assert "f: 4 trials: 4 passed; best x:4 score=4" in result.stdout
    assert "result store unusable, results reach the report only" in result.stdout
    if "--sweep-no-report" not in args:
        assert "report not written: NotADirectoryError" in result.stdout
        assert "report: not written (see the warnings above)" in result.stdout
        assert "report: blocker/reports/index.html" not in result.stdout


def write_garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(8192))


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_corrupt_store_is_a_warning_and_every_trial_runs(project: pytest.Pytester, processes: str) -> None:
    write_garbage(project.path / "reports" / "results.sqlite")
    result = session(project, "--sweep-resume", "-n", processes)
    assert_clean(result)
    assert "4 passed" in result.stdout
    assert "result store unusable, --sweep-resume reuses nothing" in result.stdout
    assert summary_trials(project.path / "reports") == ALL


def test_a_damaged_page_loses_nothing_that_ran(project: pytest.Pytester) -> None:
    assert_clean(session(project))
    store = project.path / "reports" / "results.sqlite"
    data = bytearray(store.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 512] = os.urandom(512)  # a damaged page in the middle
    store.write_bytes(bytes(data))
    result = session(project, "--sweep-resume")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [inside for inside in INSIDES if inside in result.stdout + result.stderr]
    assert summary_trials(project.path / "reports") == ALL


def test_a_full_disk_keeps_the_previous_report_and_says_what_it_could_not_write(project: pytest.Pytester) -> None:
    assert_clean(session(project))
    reports = project.path / "reports"
    before = {name: (reports / name).read_bytes() for name in ("report.json", "summary.csv", "index.html")}
    result = session(project, "-n", "2", limit_bytes=20_000)
    assert_clean(result)
    assert "4 passed" in result.stdout
    assert "f: 4 trials: 4 passed; best x:4 score=4" in result.stdout  # the results reach the terminal
    assert "could not write" in result.stdout or "report not written" in result.stdout
    json.loads((reports / "report.json").read_text())  # whole: the old one, or a new one that fit
    index = (reports / "index.html").read_bytes()
    assert index == before["index.html"]  # far over the limit: the previous one stays, whole
    assert not list(reports.glob(".staging-*"))


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_locked_store_never_interrupts_the_plugin_as_if_it_were_the_trial(
    project: pytest.Pytester, processes: str
) -> None:
    assert_clean(session(project))  # the store exists
    project.makefile(".yaml", sweep_f=SWEEP.replace("timeout: 5", "timeout: 1"))
    holder = sqlite3.connect(project.path / "reports" / "results.sqlite", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(3.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        result = session(project, "-n", processes)
    finally:
        release.join()
        holder.close()
    assert_clean(result)
    assert "4 passed" in result.stdout
    rows = sqlite3.connect(project.path / "reports" / "results.sqlite").execute("SELECT count(*) FROM trials")
    assert rows.fetchone()[0] == 8  # both sessions' four trials


@pytest.mark.parametrize("processes", ["0", "2"])
def test_resuming_a_finished_sweep_passes_and_writes_the_report(project: pytest.Pytester, processes: str) -> None:
    assert_clean(session(project))
    (project.path / "reports" / "summary.csv").unlink()
    result = session(project, "--sweep-resume", "-n", processes)
    assert_clean(result)
    assert "f: 4 trials: 4 passed (4 resumed)" in result.stdout
    assert summary_trials(project.path / "reports") == ALL


INTERRUPTING_CONFTEST = """
import os, signal
import sweep_plugin.report.writer as writer

presses = int(os.environ["PRESSES"])
original = writer._write_sweep

def pressed_while_writing(*args):
    for _ in range(presses):
        os.kill(os.getpid(), signal.SIGINT)
    return original(*args)

writer._write_sweep = pressed_while_writing
"""


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_while_the_report_is_written_leaves_one_report_whole(project: pytest.Pytester, presses: int) -> None:
    assert_clean(session(project))
    reports = project.path / "reports"
    first = {path.name: path.read_bytes() for path in reports.iterdir() if path.is_file() and path.suffix != ".sqlite"}
    project.makefile(".yaml", sweep_f=SWEEP.replace("[1, 2, 3, 4]", "[1, 2, 3, 4, 5]"))
    project.makeconftest(INTERRUPTING_CONFTEST)
    os.environ["PRESSES"] = str(presses)
    try:
        result = session(project, own_process=True)  # it presses Ctrl-C: SIGINT to its own process
    finally:
        del os.environ["PRESSES"]
    assert_clean(result, code=pytest.ExitCode.INTERRUPTED)
    now = {path.name: path.read_bytes() for path in reports.iterdir() if path.is_file() and path.suffix != ".sqlite"}
    if presses == 1:  # the report is finished first: the new one, whole
        assert summary_trials(reports) == [*ALL, "x:5"]
        assert len(json.loads(now["report.json"])["tests"]) == 5
    else:  # abandoned: the previous one, untouched
        assert now == first
        assert "report abandoned (Ctrl-C twice)" in result.stdout
    assert not list(reports.glob(".staging-*"))


SLOW_REPORT_CONFTEST = """
import os, time
import sweep_plugin.report.tables as tables

original = tables.write_csv

def slow_write_csv(*args):
    time.sleep(float(os.environ.get("SLOW_CSV", "0")))
    return original(*args)

tables.write_csv = slow_write_csv
"""


def test_two_sessions_sharing_a_report_folder_leave_one_coherent_report(project: pytest.Pytester) -> None:
    """One session finishes its trials late while the other is still writing a slow report."""
    project.makeconftest(SLOW_REPORT_CONFTEST)
    sleepy = "def train(config, trial):\n    import os, time; time.sleep(float(os.environ.get('SLEEP', '0')))"
    project.makepyfile(models=MODELS.replace("def train(config, trial):", sleepy))
    project.makefile(".yaml", sweep_g=SWEEP.replace("x: [1, 2, 3, 4]", "x: [5, 6]"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    late = {**base, "SLEEP": "0.4"}  # sweep_f: 4 trials, done after 1.6 s, its report written fast
    slow = {**base, "SLOW_CSV": "0.6"}  # sweep_g: done at once, its report written slowly
    sessions = [
        subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", name],
            cwd=project.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, env in (("sweep_f.yaml", late), ("sweep_g.yaml", slow))
    ]
    outputs = [process.communicate(timeout=180)[0] for process in sessions]
    assert all("passed" in output for output in outputs), outputs
    reports = project.path / "reports"
    in_json = sorted(test["metadata"]["trial"] for test in json.loads((reports / "report.json").read_text())["tests"])
    assert in_json == summary_trials(reports)
    assert in_json in (ALL, ["x:5", "x:6"])
    index = (reports / "index.html").read_text()
    assert ("sweep_g.yaml" in index) == (in_json == ["x:5", "x:6"])
    assert not list(reports.glob(".staging-*"))


# --- names and values ---------------------------------------------------------------------------

TRAIN_COMMAND = """
import json, os, sys, time
time.sleep(0.2)  # overlap with the other sweep's trials under -n 2
with open(os.environ["SWEEP_METRICS_FILE"], "w") as out:
    json.dump({"acc": float(sys.argv[1])}, out)
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_sweeps_of_the_same_name_never_share_trial_folders(pytester: pytest.Pytester, processes: str) -> None:
    for folder, acc in (("mnist", 0.9), ("cifar", 0.5)):
        (pytester.path / folder).mkdir()
        (pytester.path / folder / "train.py").write_text(TRAIN_COMMAND)
        (pytester.path / folder / "sweep_lr.yaml").write_text(
            f"command: python train.py {acc}\nparameters:\n  lr: [0.1, 0.01]\nmetric: {{name: acc, goal: maximize}}\n"
        )
    result = session(pytester, "-n", processes)
    assert_clean(result)
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    accs = {test["nodeid"]: test["metadata"]["metrics"]["acc"] for test in tests}
    assert accs == {
        "mnist/sweep_lr.yaml::lr[lr:0.1]": 0.9,
        "mnist/sweep_lr.yaml::lr[lr:0.01]": 0.9,
        "cifar/sweep_lr.yaml::lr[lr:0.1]": 0.5,
        "cifar/sweep_lr.yaml::lr[lr:0.01]": 0.5,
    }
    dirs = {test["metadata"]["dir"] for test in tests}
    assert len(dirs) == 4
    report_folders = {d.partition("/")[0] for d in dirs}
    assert len(report_folders) == 2  # one per sweep, and the report uses the same ones
    assert all((pytester.path / "reports" / folder / "trials.csv").exists() for folder in report_folders)


def test_sweep_names_become_one_safe_word_used_everywhere(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config, trial):\n    (trial.dir / 'here').touch()\n    return {'y': 1}\n")
    grid = "experiment: models:train\nparameters:\n  x: [1]\n"
    pytester.makefile(".yaml", sweep_named=f"name: 'a*b? c'\n{grid}")
    (pytester.path / "sweep_my file.yaml").write_text(grid)
    result = session(pytester, "-v")
    assert_clean(result)
    assert "sweep_named.yaml::a_b_c[trial] PASSED" in result.stdout
    assert "sweep_my file.yaml::my_file[trial] PASSED" in result.stdout
    reports = pytester.path / "reports"
    assert (reports / "a_b_c" / "trials" / "trial" / "here").exists()
    assert (reports / "a_b_c" / "trials.csv").exists()
    assert (reports / "my_file" / "trials" / "trial" / "here").exists()


def test_a_name_with_nothing_safe_in_it_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", sweep_dots="name: '..'\nexperiment: models:train\nparameters:\n  x: [1]\n")
    result = session(pytester)
    assert result.returncode == pytest.ExitCode.INTERRUPTED  # a collection error
    assert "sweep_dots.yaml:1: name: must be a name with a letter or digit, not '..'" in result.stdout
    assert not (pytester.path.parent / "trials").exists()


def test_values_that_read_alike_are_still_different_trials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config, trial):\n    (trial.dir / 'p.txt').write_text(config['p'])\n")
    pytester.makefile(".yaml", sweep_v="experiment: models:train\nparameters:\n  p: ['a\\nb', 'a b', 'a_b', 'a_b']\n")
    result = session(pytester, "-v")
    assert_clean(result)
    assert "4 passed" in result.stdout
    ids = summary_trials(pytester.path / "reports")
    assert len(set(ids)) == 4
    assert sum("dup" in trial_id for trial_id in ids) == 1  # only the true duplicate
    written = sorted(path.read_text() for path in (pytester.path / "reports" / "v" / "trials").rglob("p.txt"))
    assert written == sorted(["a\\nb", "a b", "a_b", "a_b"])  # a backslash and n: YAML single quotes keep them


def test_a_result_that_is_not_a_mapping_is_a_one_line_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config):\n    return '0.9'\n")
    pytester.makefile(".yaml", sweep_r="experiment: models:train\nparameters:\n  x: [1]\n")
    result = session(pytester)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "models:train returned '0.9': return a mapping of metrics or None, not str" in result.stdout
    record = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"][0]["metadata"]
    assert record["message"].startswith("TrialError: models:train returned '0.9'")
    assert "sweep_plugin/" not in result.stdout and "pluggy/" not in result.stdout
    assert len(result.stdout.splitlines()) < 40


def test_nan_and_inf_are_written_alike_and_apart_from_missing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        def train(config):
            if config["x"] == 1:
                return {"a": float("nan"), "b": float("inf")}
            return {"a": 1.0}
        """
    )
    pytester.makefile(".yaml", sweep_n="experiment: models:train\nparameters:\n  x: [1, 2]\n")
    assert_clean(session(pytester))
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        rows = {row["trial"]: row for row in csv.DictReader(handle)}
    assert (rows["x:1"]["metrics.a"], rows["x:1"]["metrics.b"]) == ("nan", "inf")
    assert (rows["x:2"]["metrics.a"], rows["x:2"]["metrics.b"]) == ("1.0", "")


def test_metrics_that_read_alike_keep_their_own_plots(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        def train(config, trial):
            for step in range(3):
                trial.log(step=step, **{"val/acc": step * config["x"], "val_acc": -step})
        """
    )
    pytester.makefile(".yaml", sweep_m="experiment: models:train\nparameters:\n  x: [1, 2]\n")
    assert_clean(session(pytester))
    curves = sorted(path.name for path in (pytester.path / "reports" / "m").glob("curves_*.png"))
    assert len(curves) == 2, curves


def test_a_metric_named_like_a_parameter_in_expect_is_a_warning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config):\n    return {'lr': 0.5, 'acc': config['training']['lr']}\n")
    pytester.makefile(
        ".yaml", sweep_h="experiment: models:train\nparameters:\n  training.lr: [0.1, 1.0]\nexpect: [lr < 1]\n"
    )
    result = session(pytester, "-n", "2")
    assert_clean(result)
    assert "the metric 'lr' hides the parameter 'lr' in expect, which reads the metric" in result.stdout

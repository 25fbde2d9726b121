"""The report as a user gets it: written by real sessions, also failing, parallel or interrupted."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

MODELS = """
def train(config, trial):
    x = config["x"]
    if x == 3:
        raise RuntimeError("diverged")
    if x == 4 and config.get("interrupt"):
        raise KeyboardInterrupt
    for step in range(2):
        trial.log(step=step, score=x * (step + 1))
    return {"score": 2.0 * x}
"""

SWEEP = """
experiment: models:train
parameters:
  x: [1, 2, 3, 4, 5]
metric: {name: score, goal: maximize}
expect: [score >= 3]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_s=SWEEP)
    return pytester


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def outcomes(report_dir: Path) -> dict[str, str]:
    return {row["trial"]: row["outcome"] for row in rows(report_dir / "summary.csv")}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_session_writes_every_report_file(project: pytest.Pytester, processes: str) -> None:
    result = project.runpytest("-n", processes)
    result.assert_outcomes(passed=3, failed=2)
    reports = project.path / "reports"
    assert outcomes(reports) == {"x:1": "failed", "x:2": "passed", "x:3": "error", "x:4": "passed", "x:5": "passed"}
    summary = {row["trial"]: row for row in rows(reports / "summary.csv")}
    assert summary["x:5"]["metrics.score"] == "10.0"
    assert summary["x:5"]["params.x"] == "5"
    assert summary["x:5"]["nodeid"] == "sweep_s.yaml::s[x:5]"
    assert summary["x:1"]["message"] == "sweep_s.yaml:5: score >= 3: score = 2"
    history = rows(reports / "s" / "history.csv")
    assert {"trial": "x:2", "step": "1", "metric": "score", "value": "4.0"} in history
    best = yaml.safe_load((reports / "s" / "best.yaml").read_text())
    assert (best["trial"], best["value"], best["config"]) == ("x:5", 10.0, {"x": 5})
    assert (reports / "index.html").stat().st_size > 10_000
    assert sorted(p.name for p in (reports / "s").glob("*.png"))
    result.stdout.fnmatch_lines(
        ["*= sweeps =*", "s: 5 trials: 3 passed, 1 failed, 1 error; best x:5 score=10", "report: *index.html"]
    )


def test_interrupted_session_still_reports_what_finished(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_s=SWEEP + "config: {interrupt: true}\n")
    result = project.runpytest_subprocess()  # in-process, the interrupt would stop this session too
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert outcomes(project.path / "reports") == {"x:1": "failed", "x:2": "passed", "x:3": "error"}


def test_report_options(project: pytest.Pytester) -> None:
    project.runpytest("--sweep-no-report").assert_outcomes(passed=3, failed=2)
    assert sorted(p.name for p in (project.path / "reports").iterdir()) == ["results.sqlite"]  # the store only
    project.runpytest("--sweep-report-dir", "out/sweeps").assert_outcomes(passed=3, failed=2)
    assert (project.path / "out" / "sweeps" / "summary.csv").exists()
    project.makeini("[pytest]\nsweep_report_dir = ini-reports\n")
    project.runpytest().assert_outcomes(passed=3, failed=2)
    assert (project.path / "ini-reports" / "s" / "trials.csv").exists()


def test_users_own_json_report_file_is_kept(project: pytest.Pytester) -> None:
    project.runpytest("--json-report", "--json-report-file", "mine.json").assert_outcomes(passed=3, failed=2)
    tests = json.loads((project.path / "mine.json").read_text())["tests"]
    assert {test["metadata"]["trial"] for test in tests} == {"x:1", "x:2", "x:3", "x:4", "x:5"}
    assert not (project.path / "reports" / "report.json").exists()
    assert len(outcomes(project.path / "reports")) == 5


def test_cli_rebuilds_the_same_summary(project: pytest.Pytester) -> None:
    project.runpytest()
    reports = project.path / "reports"
    result = project.run("python", "-m", "sweep_plugin", "report", str(reports / "report.json"), "--out", "rebuilt")
    assert result.ret == 0
    assert rows(project.path / "rebuilt" / "summary.csv") == rows(reports / "summary.csv")


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """What pytest-json-report says of the session, without times, paths and metadata."""
    tests = sorted((test["nodeid"], test["outcome"]) for test in report["tests"])  # xdist's order varies
    return {"summary": report["summary"], "collectors": report.get("collectors"), "tests": tests}


@pytest.mark.parametrize("args", [(), ("-k", "not x:2"), ("-k", "not plain"), ("-n", "2")])
def test_report_json_is_what_pytest_json_report_itself_writes(project: pytest.Pytester, args: tuple[str, ...]) -> None:
    project.makepyfile(test_plain="def test_plain():\n    pass\n")
    explicit = ("--json-report", "--json-report-file", "theirs.json", "--sweep-no-report", "--sweep-no-store")
    project.runpytest("-p", "no:cacheprovider", *explicit, *args)  # first: no reports/ folder to collect
    theirs = json.loads((project.path / "theirs.json").read_text())
    project.runpytest("-p", "no:cacheprovider", *args)
    ours = json.loads((project.path / "reports" / "report.json").read_text())
    assert comparable(ours) == comparable(theirs)
    if "-k" in args:
        assert ours["collectors"]
        assert ours["summary"]["deselected"] == 1

"""A continuation's report describes the sweep, not the session (issue 18, point 1).

After ``pytest --lf`` the report held the rerun trials alone: "1 sweep, 2 trials", a failed trial named best.
"""

from __future__ import annotations

import csv
import json

import pytest

from sweep_plugin import cli

MODEL = """
import os

def train(config):
    if config["x"] == 3 and not os.path.exists("fixed"):
        raise RuntimeError("x=3 broke")
    return {"acc": config["x"] / 10}
"""

SWEEP = "experiment: model:train\nparameters: {x: [1, 2, 3, 4]}\nmetric: {name: acc, goal: maximize}\nquick: {x: [1]}\n"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_c=SWEEP)
    pytester.runpytest().assert_outcomes(passed=3, failed=1)
    (pytester.path / "fixed").touch()
    return pytester


def summary(pytester: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_last_failed_reports_every_trial_of_the_sweep_and_says_which_ran_now(
    project: pytest.Pytester, processes: str
) -> None:
    result = project.runpytest("--lf", "-n", processes)
    result.assert_outcomes(passed=1)  # only x:3 ran, and the exit status is its alone
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["c: 4 trials: 4 passed (1 run now, 3 from earlier sessions); best x:4 acc=0.4"])
    rows = summary(project)
    assert sorted(rows) == ["x:1", "x:2", "x:3", "x:4"] and {row["outcome"] for row in rows.values()} == {"passed"}
    assert rows["x:3"]["carried"] == "" and all(" UTC, session " in rows[t]["carried"] for t in ("x:1", "x:2", "x:4"))
    page = (project.path / "reports" / "index.html").read_text()
    assert "1 sweep, 4 trials (1 run now, 3 from earlier sessions:" in page
    tests = json.loads((project.path / "reports" / "report.json").read_text())["tests"]
    assert sorted((test["nodeid"].split("[")[1], "carried" in test) for test in tests) == [
        ("x:1]", True),
        ("x:2]", True),
        ("x:3]", False),
        ("x:4]", True),
    ]
    rebuilt = project.path / "rebuilt"
    assert cli.main(["report", str(project.path / "reports" / "report.json"), "--out", str(rebuilt)]) == 0
    assert len((rebuilt / "summary.csv").read_text().strip().splitlines()) == 5  # a rebuild keeps them too


def test_node_ids_and_keywords_carry_the_others_too(project: pytest.Pytester) -> None:
    project.runpytest("sweep_c.yaml::c[x:3]").assert_outcomes(passed=1)
    assert sorted(summary(project)) == ["x:1", "x:2", "x:3", "x:4"]
    project.runpytest("-k", "x:2").assert_outcomes(passed=1)
    rows = summary(project)
    assert rows["x:2"]["carried"] == "" and rows["x:3"]["carried"] != ""  # the -k rerun's, then the last session's


def test_a_quick_run_after_a_full_one_is_its_own_report(project: pytest.Pytester) -> None:
    """...and leaves no report files of the sweeps it did not run beside it."""
    project.makefile(".yaml", sweep_d="experiment: model:train\nparameters: {x: [5]}\n")
    project.runpytest().assert_outcomes(passed=5)
    assert (project.path / "reports" / "d" / "trials.csv").exists()
    result = project.runpytest("-m", "quick")
    result.assert_outcomes(passed=1)
    assert sorted(summary(project)) == ["x:1"]
    assert "from earlier sessions" not in result.stdout.str()
    assert not (project.path / "reports" / "d" / "trials.csv").exists()
    assert "sweep_d.yaml" not in (project.path / "reports" / "index.html").read_text()


def test_a_trial_no_longer_in_the_sweep_or_run_by_other_code_is_not_carried(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_c=SWEEP.replace("[1, 2, 3, 4]", "[1, 2, 3]"))
    project.runpytest("--lf").assert_outcomes(passed=1)
    assert sorted(summary(project)) == ["x:1", "x:2", "x:3"]  # x:4 left the sweep: not shown as if it were in it
    project.makepyfile(model=MODEL + "\n# changed\n")
    project.runpytest("-k", "x:1").assert_outcomes(passed=1)
    assert sorted(summary(project)) == ["x:1"]  # the others ran other code: not carried

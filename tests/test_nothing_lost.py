"""Nothing lost after ordinary faults and continuations (issue 17): resumed trials stay in every report."""

from __future__ import annotations

import csv
import json

import pytest

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

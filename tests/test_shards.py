"""Sharded sweeps (pytest-split): each shard a session of its own, merged by `python -m sweep_plugin report`."""

from __future__ import annotations

import csv
import json

import pytest

from sweep_plugin.cli import main

pytest.importorskip("pytest_split")

MODEL = """
def train(config, trial):
    return {"acc": 0.9 - abs(config["lr"] - 0.1) + config["seed"] / 1000}
"""

SWEEP = """
experiment: model:train
parameters:
  lr: [0.1, 0.3, 0.5]
repeat: 3
metric: {name: acc, goal: maximize}
gate: [mean(acc) >= 0.75]
"""


def test_shards_merge_into_one_report_with_gates_over_all_repeats(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_s=SWEEP)
    for group in (1, 2):
        pytester.runpytest("--splits", "2", "--group", str(group), "--sweep-report-dir", f"shard{group}")
    reports = [str(pytester.path / f"shard{group}" / "report.json") for group in (1, 2)]
    # Two configurations fail their gate over all repeats: the merge fails (issue 17: it said 0, and a nightly
    # promoted a failing baseline).
    assert main(["report", *reports, "--out", str(pytester.path / "merged")]) == 1
    summary = list(csv.DictReader((pytester.path / "merged" / "summary.csv").open()))
    assert len(summary) == 9
    gates = {
        row["configuration"]: row["outcome"] for row in csv.DictReader((pytester.path / "merged" / "gates.csv").open())
    }
    assert gates == {"lr:0.1": "passed", "lr:0.3": "failed", "lr:0.5": "failed"}  # each over its 3 repeats
    shard_gates = [
        test["outcome"]
        for group in (1, 2)
        for test in json.loads((pytester.path / f"shard{group}" / "report.json").read_text())["tests"]
        if "::gate[" in test["nodeid"]
    ]
    assert "skipped" in shard_gates  # a shard alone could not judge a configuration it ran in part
    assert main(["show", str(pytester.path / "merged"), "--json"]) == 0  # the merged report.json reads back
    again = pytester.path / "again"
    assert main(["report", str(pytester.path / "merged" / "report.json"), "--out", str(again)]) == 1
    assert (again / "gates.csv").read_text() == (pytester.path / "merged" / "gates.csv").read_text()

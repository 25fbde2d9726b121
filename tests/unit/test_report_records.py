"""Reading trial records from pytest-json-report files, merging shards, terminal lines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sweep_plugin.records import Goal, Metric, parse_nodeid
from sweep_plugin.report import ReportError, load_reports, records_from_json_report, summary_lines, sweep_metric
from sweep_plugin.report.grouping import group_sweeps

FILE = "experiments/sweep_spirals.yaml"


def trial_test(trial: str, outcome: str = "passed", **meta: Any) -> dict[str, Any]:
    """A json-report test entry carrying a trial's metadata."""
    nodeid = f"{FILE}::spirals[{trial}]"
    metadata = {"sweep": "spirals", "file": FILE, "trial": trial, "nodeid": nodeid, "outcome": outcome, **meta}
    return {"nodeid": nodeid, "outcome": "passed", "keywords": [], "metadata": metadata}


def report(*tests: dict[str, Any], created: float = 1000.0) -> dict[str, Any]:
    return {"created": created, "duration": 1.0, "exitcode": 0, "root": "/r", "summary": {}, "tests": list(tests)}


def test_metadata_becomes_record_with_every_key() -> None:
    test = trial_test("lr:0.1", params={"training.lr": 0.1}, metrics={"val_acc": 0.9}, duration_s=2.5)
    [rec] = records_from_json_report(report(test))
    assert rec["sweep"] == "spirals"
    assert rec["trial"] == "lr:0.1"
    assert rec["outcome"] == "passed"
    assert rec["params"] == {"training.lr": 0.1}
    assert rec["metrics"] == {"val_acc": 0.9}
    assert rec["duration_s"] == 2.5
    assert rec["history"] == [] and rec["config"] == {} and rec["metric"] is None
    assert rec["worker"] == "main" and rec["message"] == ""


def test_crashed_worker_without_metadata_is_a_crashed_trial() -> None:
    nodeid = f"{FILE}::spirals[lr:0.1-hidden:32]"
    crash = {"duration": 0.0, "outcome": "failed", "longrepr": f"worker 'gw1' crashed while running '{nodeid}'"}
    test = {"nodeid": nodeid, "outcome": "failed", "keywords": [], "???": crash}
    [rec] = records_from_json_report(report(test))
    assert (rec["sweep"], rec["file"], rec["trial"]) == ("spirals", FILE, "lr:0.1-hidden:32")
    assert rec["outcome"] == "crashed"
    assert rec["params"] == {} and rec["metrics"] == {}
    assert "crashed while running" in rec["message"]


def test_timeout_from_longrepr_when_metadata_has_no_outcome() -> None:
    test = trial_test("lr:1", params={"training.lr": 1})
    del test["metadata"]["outcome"]
    test["outcome"] = "failed"
    test["call"] = {
        "duration": 5.0,
        "outcome": "failed",
        "crash": {"path": "x.py", "lineno": 3, "message": "Failed: Timeout (>5.0s) from pytest-timeout."},
        "longrepr": "+++ Timeout +++\nFailed: Timeout (>5.0s) from pytest-timeout.",
    }
    [rec] = records_from_json_report(report(test))
    assert rec["outcome"] == "timeout"
    assert rec["params"] == {"training.lr": 1}
    assert rec["message"] == "Failed: Timeout (>5.0s) from pytest-timeout."
    assert rec["duration_s"] == 5.0


@pytest.mark.parametrize(("test_outcome", "expected"), [("error", "error"), ("failed", "failed"), ("weird", "error")])
def test_sweep_test_without_metadata_takes_the_test_outcome(test_outcome: str, expected: str) -> None:
    test = {
        "nodeid": f"{FILE}::spirals[a:1]",
        "outcome": test_outcome,
        "setup": {"duration": 0.1, "outcome": test_outcome},
    }
    [rec] = records_from_json_report(report(test))
    assert rec["outcome"] == expected


def test_other_tests_are_ignored_and_python_sweep_tests_kept() -> None:
    plain = {"nodeid": "tests/test_x.py::test_plain", "outcome": "passed", "metadata": {"owner": "me"}}
    no_meta = {"nodeid": "tests/test_x.py::test_other[1]", "outcome": "failed"}
    marked = {
        "nodeid": "tests/test_x.py::test_fn[a:1]",
        "outcome": "passed",
        "metadata": {"sweep": "x", "trial": "a:1"},
    }
    records = records_from_json_report(report(plain, no_meta, marked))
    assert [(r["sweep"], r["trial"], r["nodeid"]) for r in records] == [("x", "a:1", "tests/test_x.py::test_fn[a:1]")]


def test_parse_nodeid() -> None:
    assert parse_nodeid("a/sweep_s.yaml::s[lr:0.1-seed:0]") == ("a/sweep_s.yaml", "s", "lr:0.1-seed:0")
    assert parse_nodeid("a/sweep_s.yaml::s[lr:0.1]@grp") == ("a/sweep_s.yaml", "s", "lr:0.1")
    assert parse_nodeid("t.py::TestC::test_fn[x:1]") == ("t.py", "test_fn", "x:1")


def test_load_reports_merges_shards_and_keeps_the_latest(tmp_path: Path) -> None:
    old = report(trial_test("a:1", "failed"), trial_test("a:2", "passed"), created=100.0)
    new = report(trial_test("a:1", "passed"), trial_test("a:3", "error"), created=200.0)
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    for order in (["new.json", "old.json"], ["old.json", "new.json"]):
        records = load_reports(tmp_path / name for name in order)
        outcomes = {r["trial"]: r["outcome"] for r in records}
        assert outcomes == {"a:1": "passed", "a:2": "passed", "a:3": "error"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "no such file"), ("{not json", "not valid JSON"), ('{"tests": 3}', "not a pytest-json-report file")],
)
def test_load_reports_errors_are_one_line(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ReportError, match=reason) as info:
        load_reports([path])
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_metric_declared_or_guessed() -> None:
    declared = [{"metric": {"name": "loss", "goal": "minimize"}, "metrics": {"acc": 1}}]
    assert sweep_metric(declared) == Metric("loss", Goal.MINIMIZE)
    assert sweep_metric([{"metrics": {"val_loss": 0.3, "acc": 0.9}}]) == Metric("val_loss", Goal.MINIMIZE)
    assert sweep_metric([{"metrics": {"note": "x"}}, {"metrics": {"acc": 0.9}}]) == Metric("acc", Goal.MAXIMIZE)
    assert sweep_metric([{"metrics": {}}]) is None


def test_summary_lines(tmp_path: Path) -> None:
    metric = {"name": "val_acc", "goal": "maximize"}
    records = records_from_json_report(
        report(
            trial_test("lr:0.1-hidden:32", metrics={"val_acc": 0.97123}, metric=metric),
            trial_test("lr:0.01-hidden:32", "failed", metrics={"val_acc": 0.5}, metric=metric),
            trial_test("lr:1-hidden:32", "error", metric=metric),
        )
    )
    other = {"sweep": "b", "file": "b.yaml", "trial": "x:1", "nodeid": "b.yaml::b[x:1]", "outcome": "crashed"}
    lines = summary_lines([*records, other], tmp_path / "reports")
    assert lines[0] == "spirals: 3 trials: 1 passed, 1 failed, 1 error; best lr:0.1-hidden:32 val_acc=0.9712"
    assert lines[1] == "b: 1 trial: 1 crashed"
    assert lines[2] == f"report: {tmp_path / 'reports' / 'index.html'}"
    assert summary_lines(records[2:], None) == ["spirals: 1 trial: 1 error; no finished trial with val_acc"]
    assert summary_lines([], tmp_path) == []


def test_sweeps_of_the_same_name_get_their_own_folders() -> None:
    records = [
        {"sweep": "s", "trial": "a:1", "nodeid": "one/sweep_s.yaml::s[a:1]"},
        {"sweep": "s", "trial": "a:1", "nodeid": "two/sweep_s.yaml::s[a:1]"},
        {"sweep": "../odd name", "trial": "a:1", "nodeid": "x.yaml::odd[a:1]"},
    ]
    folders = [s.folder for s in group_sweeps(records)]
    assert re.fullmatch(r"s-[0-9a-f]{6}", folders[0]) and re.fullmatch(r"s-[0-9a-f]{6}", folders[1])
    assert folders[0] != folders[1] and folders[2] == "odd_name"
    records[0]["dir"] = "s-mnist/trials/a=1"  # the folder the trials were written to wins
    assert group_sweeps(records)[0].folder == "s-mnist"
    assert summary_lines(records)[0] == "s (one/sweep_s.yaml::s): 1 trial: 1 error"


def test_a_dominated_trial_is_off_the_front() -> None:
    from sweep_plugin.report.grouping import pareto_front

    def rec(trial: str, a: float, b: float) -> dict[str, Any]:
        return {"trial": trial, "outcome": "passed", "metrics": {"a": a, "b": b}}

    records = [rec("t1", 1, 5), rec("t2", 2, 2), rec("t3", 3, 3), rec("t4", 5, 1), rec("t5", 2, 2)]
    front = pareto_front(records, [Metric("a"), Metric("b")])
    assert [r["trial"] for r in front] == ["t1", "t2", "t5", "t4"]  # t3 is beaten by t2 on both
    maximized = pareto_front(records, [Metric("a", Goal.MAXIMIZE), Metric("b")])
    assert [r["trial"] for r in maximized] == ["t4"]  # the most a and the least b: it beats every other

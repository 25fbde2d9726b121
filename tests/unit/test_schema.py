"""The record's types: goals, outcomes and metrics, one rule for a guessed goal."""

from __future__ import annotations

import json

import pytest

from sweep_plugin.records import (
    FINISHED,
    OUTCOMES,
    Goal,
    Metric,
    Outcome,
    make_record,
    normalize_record,
    unknown_identity,
)
from sweep_plugin.report.grouping import sweep_metric


def test_a_goal_orders_values_its_way() -> None:
    assert Goal.MAXIMIZE.better(0.9, 0.8) and not Goal.MAXIMIZE.better(0.8, 0.9)
    assert Goal.MINIMIZE.better(0.1, 0.2) and not Goal.MINIMIZE.better(0.2, 0.2)
    assert Goal.MAXIMIZE.best([0.2, 0.9, 0.5]) == 0.9
    assert Goal.MINIMIZE.best([0.2, 0.9, 0.5]) == 0.2
    assert (Goal.MINIMIZE.arrow, Goal.MAXIMIZE.arrow) == ("\u2193", "\u2191")


@pytest.mark.parametrize(
    ("name", "goal"),
    [
        ("val_loss", Goal.MINIMIZE),
        ("Error_rate", Goal.MINIMIZE),
        ("rmse", Goal.MINIMIZE),
        ("latency_ms", Goal.MINIMIZE),
        ("train/time", Goal.MINIMIZE),
        ("val_acc", Goal.MAXIMIZE),
        ("f1", Goal.MAXIMIZE),
    ],
)
def test_an_undeclared_goal_is_guessed_by_one_rule(name: str, goal: Goal) -> None:
    assert Goal.guess(name) is goal
    assert Metric.guessed(name) == Metric(name, goal)
    record = {"outcome": "passed", "metrics": {name: 1.0}}
    assert sweep_metric([record]) == Metric(name, goal)  # the report's view guesses the same


def test_a_metric_takes_its_goal_as_written_and_as_a_record_holds_it() -> None:
    metric = Metric("acc", "maximize")  # type: ignore[arg-type]
    assert metric.goal is Goal.MAXIMIZE
    assert metric.as_dict() == {"name": "acc", "goal": "maximize"}
    assert type(metric.as_dict()["goal"]) is str  # records hold JSON builtins
    assert Metric.from_field({"name": "loss"}) == Metric("loss", Goal.MINIMIZE)  # W&B's default goal
    assert Metric.from_field({"name": "acc", "goal": "MAXIMIZE"}) == Metric("acc", Goal.MAXIMIZE)
    assert Metric.from_field({"name": "acc", "goal": "up"}) == Metric("acc", Goal.MINIMIZE)
    assert Metric.from_field("") is None and Metric.from_field({"goal": "maximize"}) is None


def test_outcomes_are_the_specs_and_finished_means_it_returned_metrics() -> None:
    assert OUTCOMES == ("passed", "failed", "error", "timeout", "crashed", "pruned", "skipped")
    assert {outcome for outcome in Outcome if outcome.finished} == {Outcome.PASSED, Outcome.FAILED}
    assert Outcome.PASSED in FINISHED and "failed" in FINISHED and "error" not in FINISHED


def test_a_record_holds_plain_strings_that_cross_xdist() -> None:
    record = make_record(unknown_identity("sweep_a.yaml::a[lr:0.1]"), outcome=Outcome.TIMEOUT, duration_s=1.23456789)
    assert type(record["outcome"]) is str and record["outcome"] == "timeout"
    assert record["duration_s"] == 1.234568
    assert (record["file"], record["sweep"], record["trial"]) == ("sweep_a.yaml", "a", "lr:0.1")
    assert json.loads(json.dumps(record)) == record


def test_a_record_read_back_is_whole_and_typed() -> None:
    record = normalize_record({"outcome": "bogus", "attempts": "2", "metrics": [1]}, {"nodeid": "s.yaml::s[x:1]"})
    assert record["outcome"] == "error"
    assert (record["attempts"], record["metrics"], record["trial"]) == (1, {}, "x:1")
    kept = normalize_record({"outcome": "pruned", "metric": {"name": "acc", "goal": "maximize"}}, {"nodeid": "n"})
    assert kept["outcome"] == "pruned" and kept["metric"] == {"name": "acc", "goal": "maximize"}


def test_a_long_text_keeps_its_start_and_end_around_a_note() -> None:
    from sweep_plugin.records import MAX_TEXT, bounded, cut

    assert cut("short") == "short"
    text = "a" * MAX_TEXT + "b" * MAX_TEXT + "the end"
    shown = cut(text)
    assert len(shown) < MAX_TEXT + 100 and shown.startswith("aaa") and shown.endswith("the end")
    assert f"[{len(text) - MAX_TEXT:,} characters cut]" in shown
    data = bounded({"tests": [{"longrepr": text, "n": 1, "ok": True}]})
    assert data == {"tests": [{"longrepr": shown, "n": 1, "ok": True}]}

"""The report files, checked against known values, odd data, and the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from pytest import approx

from sweep_plugin.cli import main
from sweep_plugin.report import SweepReportWarning, records_from_json_report, write_report

ROOT = Path(__file__).resolve().parents[1]
FILE = "experiments/sweep_spirals.yaml"
METRIC = {"name": "val_acc", "goal": "maximize"}
SCALES = {"training.lr": "log", "model.hidden": "linear"}


def _trial(
    lr: float, hidden: int, outcome: str, acc: float | None, history: list[Any] | None = None, message: str = ""
) -> dict[str, Any]:
    trial = f"lr:{lr}-hidden:{hidden}"
    nodeid = f"{FILE}::spirals[{trial}]"
    meta = {
        "sweep": "spirals", "file": FILE, "trial": trial, "nodeid": nodeid, "outcome": outcome,
        "duration_s": 1.5, "worker": "gw0", "params": {"training.lr": lr, "model.hidden": hidden},
        "metrics": {} if acc is None else {"val_acc": acc, "val_loss": round(1 - acc, 2)},
        "history": history or [], "message": message, "metric": METRIC, "scales": SCALES,
        "config": {"training": {"lr": lr, "epochs": 2}, "model": {"hidden": hidden}},
    }  # fmt: skip
    return {"nodeid": nodeid, "outcome": "failed" if outcome != "passed" else "passed", "metadata": meta}


def six_trial_report() -> dict[str, Any]:
    """lr x hidden grid: 4 finished trials, one error, one crashed worker (no metadata)."""
    crashed = f"{FILE}::spirals[lr:0.001-hidden:32]"
    tests = [
        _trial(
            0.01,
            16,
            "passed",
            0.8,
            [{"step": 0, "loss": 1.0, "val_acc": 0.5}, {"step": 1, "loss": 0.5, "val_acc": 0.8}],
        ),
        _trial(0.01, 32, "passed", 0.9, [{"step": 0, "loss": 0.9}]),
        _trial(0.1, 16, "failed", 0.6, message="val_acc >= 0.7: val_acc = 0.6"),
        _trial(0.1, 32, "passed", 0.7),
        _trial(0.001, 16, "error", None, message="Traceback (most recent call last):\nValueError: boom"),
        {
            "nodeid": crashed,
            "outcome": "failed",
            "???": {"outcome": "failed", "longrepr": f"worker 'gw0' crashed while running '{crashed}'"},
        },
    ]
    return {"created": 1.0, "duration": 2.0, "exitcode": 1, "root": "/r", "summary": {}, "tests": tests}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback path, no library warning
        write_report(records_from_json_report(six_trial_report()), out)
    return out


def test_written_files(report_dir: Path) -> None:
    sweep = report_dir / "spirals"
    names = {"trials.csv", "history.csv", "param_stats.csv", "analysis.csv", "best.yaml", "best_config.yaml"}
    assert names <= {p.name for p in sweep.iterdir()}
    pngs = {p.name for p in sweep.glob("*.png")}
    assert {"outcomes.png", "heatmap.png", "curves_loss.png", "curves_val_acc.png"} <= pngs
    assert "importance.png" not in pngs  # 4 finished trials: too few to rank (the page says so)
    assert {"val_acc_vs_training.lr.png", "val_acc_vs_model.hidden.png"} <= pngs
    assert (report_dir / "summary.csv").is_file() and (report_dir / "index.html").is_file()
    assert not list(report_dir.rglob("*.tmp"))


def test_summary_csv(report_dir: Path) -> None:
    frame = pd.read_csv(report_dir / "summary.csv", dtype={"carried": str}).fillna({"message": "", "carried": ""})
    assert list(frame.columns) == [
        "sweep", "trial", "nodeid", "outcome", "duration_s", "params.training.lr", "params.model.hidden",
        "metrics.val_acc", "metrics.val_loss", "message", "attempts", "resumed", "carried",
    ]  # fmt: skip
    assert len(frame) == 6
    assert list(frame["outcome"]) == ["passed", "passed", "failed", "passed", "error", "crashed"]
    assert list(frame["trial"])[-1] == "lr:0.001-hidden:32"
    assert frame.loc[0].to_dict() == {
        "sweep": "spirals", "trial": "lr:0.01-hidden:16", "nodeid": f"{FILE}::spirals[lr:0.01-hidden:16]",
        "outcome": "passed", "duration_s": 1.5, "params.training.lr": 0.01, "params.model.hidden": 16,
        "metrics.val_acc": 0.8, "metrics.val_loss": 0.2, "message": "", "attempts": 1, "resumed": False,
        "carried": "",
    }  # fmt: skip
    text = (report_dir / "summary.csv").read_text()
    assert ",16," in text and ",16.0," not in text  # ints stay ints next to a crashed trial's empty cell
    crashed = frame.loc[5]
    assert crashed[["duration_s", "params.training.lr", "metrics.val_acc"]].isna().all()
    assert "crashed while running" in crashed["message"]
    trials = pd.read_csv(report_dir / "spirals" / "trials.csv", dtype={"carried": str}).fillna(
        {"message": "", "carried": ""}
    )
    assert trials.equals(frame)


def test_history_csv(report_dir: Path) -> None:
    frame = pd.read_csv(report_dir / "spirals" / "history.csv")
    assert list(frame.columns) == ["trial", "step", "metric", "value"]
    assert frame.values.tolist() == [
        ["lr:0.01-hidden:16", 0, "loss", 1.0],
        ["lr:0.01-hidden:16", 0, "val_acc", 0.5],
        ["lr:0.01-hidden:16", 1, "loss", 0.5],
        ["lr:0.01-hidden:16", 1, "val_acc", 0.8],
        ["lr:0.01-hidden:32", 0, "loss", 0.9],
    ]


def test_param_stats_csv(report_dir: Path) -> None:
    frame = pd.read_csv(report_dir / "spirals" / "param_stats.csv")
    assert list(frame.columns) == ["parameter", "value", "count", "mean", "std", "median", "min", "max"]
    rows = {(r["parameter"], float(r["value"])): r for r in frame.to_dict("records")}
    assert len(rows) == 4  # lr 0.001 has no finished trial
    lr = rows[("training.lr", 0.01)]
    assert [lr[k] for k in ("count", "mean", "median", "min", "max")] == [2, approx(0.85), approx(0.85), 0.8, 0.9]
    assert lr["std"] == approx(math.sqrt(0.005))
    hidden = rows[("model.hidden", 32.0)]
    assert [hidden[k] for k in ("count", "mean", "std")] == [2, approx(0.8), approx(math.sqrt(0.02))]


def test_analysis_csv(report_dir: Path) -> None:
    frame = pd.read_csv(report_dir / "spirals" / "analysis.csv").set_index("parameter")
    # SS_total 0.05; lr: between 0.04 -> eta2 0.8; hidden: eta2 0.2. Four trials cannot tell lr from chance
    # (eps2 0.7 for lr, but shuffles of four values do as well), so nothing is ranked and the file order stays.
    assert list(frame.index) == ["training.lr", "model.hidden"]
    assert frame.loc["training.lr", "eta_squared"] == pytest.approx(0.8)
    assert frame.loc["model.hidden", "eta_squared"] == pytest.approx(0.2)
    assert frame["importance"].isna().all() and (frame["p_value"] > 0.05).all()
    lr = frame.loc["training.lr"]
    assert (lr.scale, lr.groups, lr.best_value, lr.best_mean) == ("log", 2, 0.01, pytest.approx(0.85))
    assert (lr.tipping_from, lr.tipping_to, lr.tipping_delta) == (0.01, 0.1, pytest.approx(-0.2))
    assert frame.loc["model.hidden", "tipping_delta"] == pytest.approx(0.1)


def test_best_yaml(report_dir: Path) -> None:
    best = yaml.safe_load((report_dir / "spirals" / "best.yaml").read_text())
    assert best == {
        "trial": "lr:0.01-hidden:32", "nodeid": f"{FILE}::spirals[lr:0.01-hidden:32]", "metric": "val_acc",
        "goal": "maximize", "value": 0.9, "outcome": "passed", "params": {"training.lr": 0.01, "model.hidden": 32},
        "metrics": {"val_acc": 0.9, "val_loss": 0.1},
        "config": {"training": {"lr": 0.01, "epochs": 2}, "model": {"hidden": 32}},
    }  # fmt: skip
    assert yaml.safe_load((report_dir / "spirals" / "best_config.yaml").read_text()) == best["config"]


def test_minimize_goal_picks_the_lowest() -> None:
    records = records_from_json_report(six_trial_report())
    for rec in records:
        rec["metric"] = {"name": "val_loss", "goal": "minimize"}
    from sweep_plugin.report.grouping import sweep_metric
    from sweep_plugin.report.tables import best_document

    best = best_document(records, sweep_metric(records))
    assert best is not None and best["trial"] == "lr:0.01-hidden:32"
    for rec in records:
        rec["metric"] = {"name": "val_acc", "goal": "minimize"}
    best = best_document(records, sweep_metric(records))
    assert best is not None and best["trial"] == "lr:0.1-hidden:16"  # failed trials count


# --------------------------------------------------------------- odd data


def _odd(trial: str, **meta: Any) -> dict[str, Any]:
    return {"sweep": "odd", "file": "sweep_odd.yaml", "trial": trial, "nodeid": f"sweep_odd.yaml::odd[{trial}]", **meta}


ODD_CASES = {
    "empty": [],
    "all errored": [_odd(f"a:{i}", outcome="error", params={"a": i}, message="boom") for i in range(3)],
    "bare records": [{"sweep": "bare"}, {"trial": "only-trial"}, {}],
    "odd values": [
        _odd(
            "1",
            outcome="passed",
            params={"act": "relu", "layers": [16, 16], "flag": True, "none": None},
            metrics={"acc": float("nan"), "note": "text"},
            history=[{"acc": "x"}, 3, {"step": "s", "acc": [1]}],
        ),
        _odd(
            "2",
            outcome="passed",
            params={"act": "tanh", "layers": [32], "flag": False, "none": 1.5},
            metrics={"acc": float("inf")},
            history=None,
        ),
        _odd(
            "3",
            outcome="failed",
            params={"act": 3, "layers": {"a": 1}},
            metrics={"acc": 0.5},
            history="oops",
            scales={"act": "weird"},
        ),
        _odd("4", outcome="passed", params="not a dict", metrics=["not", "a", "dict"], config=None, metric="acc"),
    ],
    "one trial": [_odd("1", outcome="passed", params={"x": 1}, metrics={"loss": 0.1}, history=[{"loss": 0.2}])],
    "random search": [
        _odd(
            f"t{i}",
            outcome="passed",
            params={"lr": 10 ** (-4 + 3 * i / 49), "drop": i / 49, "seed": i % 3},
            metrics={"loss": (i - 25) ** 2 / 625},
            history=[{"step": s, "loss": 1 / (s + 1 + i)} for s in range(5)],
        )
        for i in range(50)
    ],
    "constant metric": [
        _odd(f"c{i}", outcome="passed", params={"a": i % 2, "b": i % 3}, metrics={"m": 1.0}) for i in range(6)
    ],
}


@pytest.mark.parametrize("records", ODD_CASES.values(), ids=ODD_CASES.keys())
def test_odd_data_does_not_crash(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_report(records, tmp_path)
    assert tmp_path / "index.html" in written and tmp_path / "summary.csv" in written
    assert len(pd.read_csv(tmp_path / "summary.csv")) == len(records)


def test_random_search_bins_many_values(tmp_path: Path) -> None:
    write_report(ODD_CASES["random search"], tmp_path)
    stats = pd.read_csv(tmp_path / "odd" / "param_stats.csv")
    lr = stats[stats["parameter"] == "lr"]
    assert len(lr) == 10 and lr["count"].sum() == 50
    assert lr["value"].iloc[0].startswith("[0.0001, ") and lr["value"].iloc[-1].endswith(", 0.1]")
    assert list(stats[stats["parameter"] == "seed"]["value"]) == ["0", "1", "2"]
    best = yaml.safe_load((tmp_path / "odd" / "best.yaml").read_text())
    assert (best["metric"], best["goal"], best["trial"]) == ("loss", "minimize", "t25")  # guessed from the name


def test_all_errored_sweep_has_no_best_and_no_metric_plots(tmp_path: Path) -> None:
    passed = [_odd(f"a:{i}", outcome="passed", params={"a": i}, metrics={"acc": i / 3}) for i in range(3)]
    write_report(passed, tmp_path)
    assert (tmp_path / "odd" / "acc_vs_a.png").exists()
    (tmp_path / "odd" / "notes.md").write_text("mine")  # a file the report never wrote
    write_report(ODD_CASES["all errored"], tmp_path)
    files = {p.name for p in (tmp_path / "odd").iterdir()}
    assert "best.yaml" not in files and "outcomes.png" in files
    assert "acc_vs_a.png" not in files  # a plot of an earlier report is removed
    assert "notes.md" in files  # only what a report wrote is


def test_a_failing_part_is_a_warning_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sweep_plugin.report import plots

    def broken(*args: Any) -> None:
        raise RuntimeError("plot exploded")

    monkeypatch.setattr(plots, "outcomes_plot", broken)
    with pytest.warns(SweepReportWarning, match="outcomes.png: RuntimeError: plot exploded"):
        written = write_report(records_from_json_report(six_trial_report()), tmp_path)
    assert tmp_path / "spirals" / "best.yaml" in written
    assert "plot exploded" in (tmp_path / "index.html").read_text()


def test_a_failing_sweep_keeps_its_rows_in_summary_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sweep_plugin.report import analysis

    def broken(*args: Any) -> None:
        raise ValueError("analysis exploded")

    monkeypatch.setattr(analysis, "analyse", broken)
    with pytest.warns(SweepReportWarning, match="sweep 'spirals'"):
        write_report(records_from_json_report(six_trial_report()), tmp_path)
    assert len(pd.read_csv(tmp_path / "summary.csv")) == 6
    assert "analysis exploded" in (tmp_path / "index.html").read_text()


def test_two_sweeps_share_summary_csv_but_not_trials_csv(tmp_path: Path) -> None:
    other = [{"sweep": "b", "trial": f"x:{i}", "nodeid": f"b.yaml::b[x:{i}]", "outcome": "passed",
              "params": {"x": i}, "metrics": {"loss": i / 10}} for i in range(3)]  # fmt: skip
    write_report([*records_from_json_report(six_trial_report()), *other], tmp_path)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert len(summary) == 9
    assert {"params.training.lr", "params.x", "metrics.val_acc", "metrics.loss"} <= set(summary.columns)
    assert list(summary.columns)[-4:] == ["message", "attempts", "resumed", "carried"]
    b_trials = pd.read_csv(tmp_path / "b" / "trials.csv")
    assert [c for c in b_trials.columns if c.startswith(("params.", "metrics."))] == ["params.x", "metrics.loss"]
    assert list(summary.loc[6:, "params.x"]) == [0, 1, 2]


# --------------------------------------------------------------- CLI


def test_cli_rebuilds_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(six_trial_report()))
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "spirals: 6 trials: 3 passed, 1 failed, 1 error, 1 crashed; best lr:0.01-hidden:32 val_acc=0.9",
        f"report: {tmp_path / 'out' / 'index.html'}",
    ]
    assert (tmp_path / "out" / "spirals" / "best.yaml").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.json: no such file"),
        ("[1, 2", "not valid JSON"),
        ('{"tests": []}', "no sweep trials in"),
        ('{"created": 1}', "not a pytest-json-report file"),
    ],
)
def test_cli_input_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m sweep_plugin: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_as_a_module(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(six_trial_report()))
    run = [sys.executable, "-m", "sweep_plugin"]
    ok = subprocess.run(
        [*run, "report", str(path), "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("spirals: 6 trials") and ok.stderr == ""
    help_ = subprocess.run([*run, "report", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert help_.returncode == 0 and "REPORT.json" in help_.stdout and "--out DIR" in help_.stdout
    usage = subprocess.run([*run, "report"], cwd=ROOT, capture_output=True, text=True)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr

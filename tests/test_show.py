"""`python -m sweep_plugin show`: a real session's report, shown in the terminal and as JSON."""

from __future__ import annotations

import json

import pytest

from sweep_plugin import cli

MODEL = """
def train(config, trial):
    if config["lr"] == 0.5:
        raise RuntimeError("diverged at step 3")
    trial.log(step=0, acc=config["lr"])
    return {"acc": 1 - abs(config["lr"] - 0.1) + config["hidden"] / 1000}
"""

SWEEPS = """
sweeps:
  - name: grid
    experiment: model:train
    parameters:
      lr: [0.01, 0.1, 0.5]
      hidden: [16, 32]
    metric: {name: acc, goal: maximize}
  - name: other
    experiment: model:train
    parameters:
      lr: [0.1]
      hidden: [8]
"""


@pytest.fixture
def report(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_s=SWEEPS)
    pytester.runpytest().assert_outcomes(passed=5, failed=2)
    return pytester


def test_show_prints_outcomes_best_top_importance_and_failures(
    report: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert cli.main(["show", str(report.path / "reports")]) == 0
    out = capsys.readouterr().out
    assert "grid  sweep_s.yaml  6 trials  4 passed  2 error" in out
    assert "best lr:0.1-hidden:32  acc = 1.032" in out
    assert "top 4 by acc (maximize)" in out
    assert "too few trials to rank: with 4 finished" in out  # 4 trials for 2 parameters: no ranking made up
    assert "ERROR    lr:0.5-hidden:16  RuntimeError: diverged at step 3" in out
    assert "other" in out
    # Issue 18, point 3: failures first, then the best, and the top table says each trial's outcome.
    assert out.index("ERROR    lr:0.5-hidden:16") < out.index("best lr:0.1-hidden:32") < out.index("top 4 by acc")
    assert "outcome" in out.split("top 4 by acc")[1].splitlines()[2]


def test_show_one_sweep_as_json(report: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["show", str(report.path / "reports"), "--sweep", "grid", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (grid,) = data["sweeps"]
    assert grid["outcomes"] == {"passed": 4, "error": 2}
    assert grid["best"]["trial"] == "lr:0.1-hidden:32"
    assert [t["trial"] for t in grid["top"]][:2] == ["lr:0.1-hidden:32", "lr:0.1-hidden:16"]
    assert grid["importance"] == {} and grid["importance_note"].startswith("too few trials to rank: with 4 finished")
    assert [p["trial"] for p in grid["problems"]] == ["lr:0.5-hidden:16", "lr:0.5-hidden:32"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["show", "no-such-folder"], "no such file"), (["show", "{reports}", "--sweep", "nope"], "no sweep named 'nope'")],
)
def test_show_errors_are_one_line(
    report: pytest.Pytester, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    args = [arg.format(reports=report.path / "reports") for arg in args]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_report_shows_progress_on_large_inputs(
    report: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "LARGE", 1)
    calls: list[str] = []
    real = cli._progress

    def counting(records: object) -> object:
        manager = real(records)  # type: ignore[arg-type]
        calls.append("progress")
        return manager

    monkeypatch.setattr(cli, "_progress", counting)
    assert cli.main(["report", str(report.path / "reports" / "report.json"), "--out", str(report.path / "again")]) == 0
    assert calls == ["progress"]
    assert (report.path / "again" / "index.html").exists()


def test_show_stays_readable_at_80_columns(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18, point 3: at 80 columns the headers were cut to "model.…" and the ids folded letter by letter."""
    pytester.makepyfile(model="def train(config):\n    return {'val_accuracy': config['model']['hidden'] / 100}\n")
    pytester.makefile(
        ".yaml",
        sweep_w="experiment: model:train\nparameters:\n  model.hidden: [16, 32, 64]\n  model.activation: [relu, tanh]\n"
        "  training.learning_rate: [0.001]\n  data.noise_level: [0.2]\n  training.epochs: [80]\n"
        "metric: {name: val_accuracy, goal: maximize}\n",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)
    capsys.readouterr()  # the session's own output
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["show", str(pytester.path / "reports")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "trial" in line and "outcome" in line)
    assert "\u2026" not in header and "hidden" in header and "activation" in header and "model." not in header
    assert "noise_level" not in header  # the same in every top trial: said once, under the table
    said = " ".join(lines)
    assert "the same in all of them: data.noise_level=0.2" in said.replace("\u2502", "").replace("  ", " ")

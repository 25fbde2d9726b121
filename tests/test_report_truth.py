"""A report that tells the truth (issue 18): what it guessed, and the sweep files it did not collect."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

MODEL = """
def train(config):
    return {"val_loss": 1 / config["x"], "acc": config["x"] / 10}
"""


@pytest.mark.parametrize("declared", [False, True])
def test_a_best_by_a_guessed_metric_says_it_was_guessed(pytester: pytest.Pytester, declared: bool) -> None:
    """Issue 18, point 5: a sweep without `metric:` named a best trial by a guessed metric and goal, silently."""
    pytester.makepyfile(model=MODEL)
    metric = "metric: {name: acc, goal: maximize}\n" if declared else ""
    pytester.makefile(".yaml", sweep_g=f"experiment: model:train\nparameters: {{x: [1, 2, 3]}}\n{metric}")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    reports = pytester.path / "reports"
    best = yaml.safe_load((reports / "g" / "best.yaml").read_text())
    page = (reports / "index.html").read_text()
    if declared:
        result.stdout.fnmatch_lines(["g: 3 trials: 3 passed; best x:3 acc=0.3"])
        assert "guessed" not in best and "guessed" not in page
        return
    note = "guessed: no metric declared; val_loss, the first reported, minimized as its name reads as a loss*"
    result.stdout.fnmatch_lines([f"g: 3 trials: 3 passed; best x:3 val_loss=0.3333 ({note}"])
    assert best["guessed"].startswith("guessed: no metric declared; val_loss")
    assert "guessed: no metric declared; val_loss" in page


W_AND_B = """
program: train.py
method: bayes
metric: {name: val_loss, goal: minimize}
parameters:
  lr: {min: 0.0001, max: 0.1}
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_sweep_file_the_patterns_skip_is_mentioned_once(pytester: pytest.Pytester, processes: str) -> None:
    """Issue 18, point 7: a sweep file named outside sweep_*.yaml in a folder run was invisible."""
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    pytester.mkdir("sweeps")
    pytester.path.joinpath("sweeps", "lr.yaml").write_text(W_AND_B)
    pytester.path.joinpath("sweeps", "config.yaml").write_text("model: {layers: 2}\nparameters_file: p.json\n")
    pytester.path.joinpath("sweeps", "ci.yml").write_text("name: ci\non: [push]\njobs: {}\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-n", processes)
    result.assert_outcomes(passed=1)
    line = (
        "not collected: sweeps/lr.yaml looks like a sweep file (parameters, method, metric, program): rename it"
        " sweep_lr.yaml or add it to sweep_files, or name it on the command line"
    )
    assert result.stdout.str().count(line) == 1, result.stdout.str()
    assert "config.yaml" not in result.stdout.str() and "ci.yml" not in result.stdout.str()


SAMPLED = """
experiment: model:train
method: random
trials: {trials}
seed: 1
parameters:
  x: {{min: 0.0, max: 1.0}}
  z: {{min: 0.0, max: 1.0}}
metric: {{name: acc, goal: maximize}}
"""


@pytest.mark.parametrize("trials", [6, 30])
def test_a_sampled_sweep_ranks_by_ped_anova_or_says_it_has_too_few_trials(
    pytester: pytest.Pytester, trials: int
) -> None:
    """Issue 18, point 2: an 8-trial random sweep where only x matters gave x and z 50% each."""
    pytester.makepyfile(model="def train(config):\n    return {'acc': config['x']}\n")
    pytester.makefile(".yaml", sweep_s=SAMPLED.format(trials=trials))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=trials)
    folder = pytester.path / "reports" / "s"
    analysis = {row["parameter"]: row for row in _rows(folder / "analysis.csv")}
    page = (pytester.path / "reports" / "index.html").read_text()
    assert "Optuna\u2019s PED-ANOVA" in page or "Optuna's PED-ANOVA" in page
    assert (folder / "scatter.png").exists() and not (folder / "heatmap.png").exists()  # no diagonal of cells
    if trials == 6:
        assert analysis["x"]["importance"] == analysis["z"]["importance"] == ""
        assert "too few trials to rank: with 6 finished" in page and not (folder / "importance.png").exists()
        return
    assert float(analysis["x"]["importance"]) > 0.8 > float(analysis["z"]["importance"])
    assert float(analysis["x"]["p_value"]) == 0.05 and float(analysis["z"]["p_value"]) > 0.05
    assert (folder / "importance.png").exists() and "too few trials" not in page


def test_repeats_seed_is_noise_beside_the_parameters_never_one_of_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        model="import random\ndef train(config):\n"
        "    return {'acc': config['lr'] * 10 + random.Random(config['seed']).gauss(0, 0.5)}\n"
    )
    pytester.makefile(
        ".yaml",
        sweep_r="experiment: model:train\nrepeat: 4\nparameters: {lr: [0.1, 0.2, 0.3]}\n"
        "metric: {name: acc, goal: maximize}\n",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=12)
    analysis = {row["parameter"]: row for row in _rows(pytester.path / "reports" / "r" / "analysis.csv")}
    assert analysis["seed"]["importance"] == "" and 0 < float(analysis["seed"]["noise_share"]) < 1
    assert float(analysis["lr"]["importance"]) == 1.0
    assert "noise between repeats (seed)" in (pytester.path / "reports" / "index.html").read_text()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))

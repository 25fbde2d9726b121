"""early_terminate: trials stopped early in real sessions (the rules themselves: tests/unit/test_pruners.py)."""

from __future__ import annotations

import json

import pytest

MODELS = """
import math

def curve(config, trial):
    q = config["q"]
    for step in range(20):
        trial.log(step=step, acc=q * (1 - math.exp(-(step + 1) / 5)))
    return {"acc": q}
"""


def sweep(rule: str) -> str:
    return (
        "experiment: models:curve\n"
        "parameters:\n  q: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]\n"
        "metric: {name: acc, goal: maximize}\n"
        f"early_terminate: {rule}\n"
    )


@pytest.mark.parametrize(
    ("rule", "kept"),
    [
        ("{type: median, min_iter: 3}", ["q:1", "q:0.9", "q:0.8", "q:0.7"]),
        # bands 2, 4, 8, 16: of 2 trials at a band both are kept (W&B's threshold is the int(2 / 2)-th
        # value, the 2nd trial's own), of 3 or more the lagging ones go
        ("{type: hyperband, min_iter: 2, eta: 2}", ["q:1", "q:0.9"]),
    ],
    ids=["median", "hyperband"],
)
def test_lagging_trials_are_pruned(pytester: pytest.Pytester, rule: str, kept: list[str]) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_p=sweep(rule))
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=len(kept), skipped=10 - len(kept))
    result.stdout.fnmatch_lines(["SKIPPED * pruned at step *: acc = *"])
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    records = {test["metadata"]["trial"]: test["metadata"] for test in tests}
    assert [trial for trial, record in records.items() if record["outcome"] == "passed"] == kept
    pruned = [record for record in records.values() if record["outcome"] == "pruned"]
    assert all(len(record["history"]) < 20 for record in pruned)
    assert all(record["message"].startswith("pruned at step") for record in pruned)


CURVES = """
# acc at each logged value, logged at steps 10, 20, 30, ... so that no step equals its count
CURVES = {
    # max_iter 9, s 2, eta 3: bands 1 and 3 (in this order: w alone passes both bands)
    "w": [0.5, 0.6, 0.9, 0.9, 0.9],
    "x": [0.4, 0.9, 0.9, 0.9, 0.9],  # 1st value below the best 1/3 of 2 (0.5): pruned at once
    "y": [0.6, 0.6, 0.5, 0.9, 0.9],  # band 1: 0.6 is above the threshold 0.5; band 3: 0.5 < 0.9
    "z": [0.7, 0.7, 0.95, 0.9, 0.9],  # band 1: 0.7 >= 0.6; band 3: 0.95 >= 0.9
    # min_iter 2, eta 2: bands 2, 4 (8 is never reached)
    "a": [0.1, 0.9, 0.9, 0.95, 0.95],
    "b": [0.1, 0.8, 0.8, 0.9, 0.9],  # of 2 at each band, both are kept
    "c": [0.1, 0.1, 0.9, 0.9, 0.9],  # band 2: 0.1 < 0.8, the 2nd best of 3
    "d": [0.1, 0.85, 0.1, 0.2, 0.9],  # count 3 is no band; band 4: 0.2 < 0.9, the 2nd best of 3
}

def curve(config, trial):
    for count, acc in enumerate(CURVES[config["curve"]], start=1):
        trial.log(step=10 * count, acc=acc)
    return {"acc": acc}
"""


@pytest.mark.parametrize(
    ("rule", "cases", "pruned"),
    [
        ("{type: hyperband, max_iter: 9, s: 2, eta: 3}", "w, x, y, z", {"x": 1, "y": 3}),
        ("{type: hyperband, min_iter: 2, eta: 2}", "a, b, c, d", {"c": 2, "d": 4}),
    ],
    ids=["max_iter", "min_iter"],
)
def test_hyperband_judges_at_the_nth_logged_value(
    pytester: pytest.Pytester, rule: str, cases: str, pruned: dict[str, int]
) -> None:
    pytester.makepyfile(models=CURVES)
    pytester.makefile(
        ".yaml",
        sweep_h=(
            f"experiment: models:curve\nparameters:\n  curve: [{cases}]\n"
            f"metric: {{name: acc, goal: maximize}}\nearly_terminate: {rule}\n"
        ),
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(
        [f"SKIPPED * pruned at step {10 * band}: acc = *, *threshold at band {band} *" for band in pruned.values()]
    )
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    records = {test["metadata"]["trial"]: test["metadata"] for test in tests}
    assert {trial: len(record["history"]) for trial, record in records.items() if record["outcome"] == "pruned"} == {
        f"curve:{case}": band for case, band in pruned.items()
    }


def test_pruning_sees_other_workers_trials(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_p=sweep("{type: median, min_iter: 3}"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) >= 3 and outcomes["passed"] >= 4


def test_early_terminate_needs_a_metric(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_p=sweep("{type: median}").replace("metric: {name: acc, goal: maximize}\n", ""))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["sweep_p.yaml:*: early_terminate: needs `metric: *` to judge"])


def test_pruning_with_the_store_off_under_xdist_says_it_sees_one_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_p=sweep("{type: median, min_iter: 3}"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--sweep-no-store")
    result.stdout.fnmatch_lines(["*SweepWarning: sweep_p.yaml: early_terminate sees only this worker's trials*"])
    assert result.parseoutcomes()["passed"] >= 4  # each worker still prunes against its own trials


def test_marked_tests_are_pruned_too(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", sweep_p=sweep("{type: median, min_iter: 3}"))
    pytester.makepyfile(
        test_curve="""
        import math
        import pytest

        @pytest.mark.sweep("sweep_p.yaml")
        def test_curve(sweep_params, sweep_trial):
            for step in range(20):
                sweep_trial.log(step=step, acc=sweep_params["q"] * (1 - math.exp(-(step + 1) / 5)))
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs", "test_curve.py")
    result.assert_outcomes(passed=4, skipped=6)
    result.stdout.fnmatch_lines(["SKIPPED * pruned at step *: acc = *"])

"""early_terminate: the pruning rules, and trials stopped early in real sessions."""

from __future__ import annotations

import json

import pytest

from sweep_plugin.pruning import MIN_OTHERS, is_bracket, prune_reason

MEDIAN = {"type": "median", "min_iter": 3, "eta": 3}
HYPERBAND = {"type": "hyperband", "min_iter": 2, "eta": 2}


def test_median_rule_needs_warmup_and_enough_other_trials() -> None:
    others = [0.5, 0.6, 0.7, 0.8]
    assert prune_reason(MEDIAN, "maximize", 2, 0.1, others) == ""  # before min_iter
    assert prune_reason(MEDIAN, "maximize", 3, 0.1, others[: MIN_OTHERS - 1]) == ""  # too little evidence
    assert "median 0.65" in prune_reason(MEDIAN, "maximize", 3, 0.6, others)
    assert prune_reason(MEDIAN, "maximize", 3, 0.7, others) == ""
    assert prune_reason(MEDIAN, "minimize", 3, 0.6, others) == ""
    assert prune_reason(MEDIAN, "minimize", 3, 0.7, others) != ""


def test_hyperband_keeps_the_best_fraction_at_each_rung() -> None:
    assert [step for step in range(1, 40) if is_bracket(step, 2, 2)] == [2, 4, 8, 16, 32]
    assert [step for step in range(1, 100) if is_bracket(step, 3, 3)] == [3, 9, 27, 81]
    assert prune_reason(HYPERBAND, "maximize", 3, 0.0, [1.0]) == ""  # not a rung
    assert prune_reason(HYPERBAND, "maximize", 4, 0.9, [0.1, 0.2, 0.3]) == ""  # best of 4: kept
    assert prune_reason(HYPERBAND, "maximize", 4, 0.25, [0.1, 0.2, 0.3]) == ""  # second of 4: kept
    assert "best 2 of 4" in prune_reason(HYPERBAND, "maximize", 4, 0.15, [0.1, 0.2, 0.3])
    assert prune_reason(HYPERBAND, "minimize", 4, 0.15, [0.1, 0.2, 0.3]) == ""


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
        ("{type: hyperband, min_iter: 2, eta: 2}", ["q:1"]),
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

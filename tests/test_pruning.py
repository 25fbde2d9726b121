"""early_terminate: the pruning rules, and trials stopped early in real sessions."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from sweep_plugin.errors import SweepError
from sweep_plugin.hyperband import hyperband_bands, hyperband_threshold, rule_bands
from sweep_plugin.pruning import MIN_OTHERS, Pruner, hyperband_reason, median_reason
from sweep_plugin.records import Metric
from sweep_plugin.spec import load_sweep_file
from sweep_plugin.store import MEMORY, ResultStore

MEDIAN = {"type": "median", "min_iter": 3, "eta": 3}


def test_median_rule_needs_warmup_and_enough_other_trials() -> None:
    others = [0.5, 0.6, 0.7, 0.8]
    assert median_reason(MEDIAN, "maximize", 2, 0.1, others) == ""  # before min_iter
    assert median_reason(MEDIAN, "maximize", 3, 0.1, others[: MIN_OTHERS - 1]) == ""  # too little evidence
    assert "median 0.65" in median_reason(MEDIAN, "maximize", 3, 0.6, others)
    assert median_reason(MEDIAN, "maximize", 3, 0.7, others) == ""
    assert median_reason(MEDIAN, "minimize", 3, 0.6, others) == ""
    assert median_reason(MEDIAN, "minimize", 3, 0.7, others) != ""


@pytest.mark.parametrize(
    ("rule", "bands"),
    [
        ({"max_iter": 1000, "s": 2}, (111, 333)),  # the first band is max_iter / eta**s, not min_iter
        ({"max_iter": 81, "s": 3}, (3, 9, 27)),
        ({"max_iter": 18, "s": 2}, (2, 6)),  # int() of 18/9 and 18/3
        ({"max_iter": 9, "s": 2}, (1, 3)),
        ({"max_iter": 5, "s": 2, "eta": 2}, (1, 2)),  # 2.5 and 1.25, truncated
        ({"max_iter": 1000, "s": 10}, (1, 4, 12, 37, 111, 333)),  # stops before a band below 1
        ({"max_iter": 2, "s": 2}, ()),  # 2 / 3 < 1: no band (the spec refuses it)
        ({"max_iter": 27, "s": 2, "min_iter": 1}, (3, 9)),  # max_iter and s win over min_iter, as in W&B
    ],
)
def test_hyperband_bands_count_down_from_max_iter(rule: dict[str, int], bands: tuple[int, ...]) -> None:
    assert hyperband_bands(**{"eta": 3, **rule}) == bands


def test_hyperband_bands_count_up_from_min_iter() -> None:
    assert hyperband_bands(3, min_iter=3)[:4] == (3, 9, 27, 81)
    assert hyperband_bands(2, min_iter=2)[:5] == (2, 4, 8, 16, 32)
    assert hyperband_bands(2, min_iter=1)[:4] == (1, 2, 4, 8)
    assert hyperband_bands(1.5, min_iter=2)[:6] == (2, 3, 4, 6, 10, 15)  # int() of 2, 3, 4.5, 6.75, 10.1, 15.2
    assert hyperband_bands(1.5, min_iter=1)[:4] == (1, 2, 3, 5)  # int(1.5) repeats band 1: judged once
    assert len(hyperband_bands(3, min_iter=1)) == 100  # W&B lists 100 bands


# W&B's own example (hyperband_stop_runs' docstring): loss histories, max_iter 5, eta 2, s 2.
WANDB_RUNS = {"a": [10, 9], "b": [10, 10], "c": [10, 8, 8], "d": [10, 7, 7], "e": [10, 6, 6]}


def stopped(runs: Mapping[str, Sequence[float]], rule: dict[str, Any], goal: str, running: str) -> list[str]:
    """The ``running`` runs W&B stops: each judged at the last band it reached, against all runs' values there."""
    bands = rule_bands(rule)
    names = []
    for name, history in runs.items():
        if name not in running:
            continue
        band = max(b for b in bands if b <= len(history))
        others = [other[band - 1] for key, other in runs.items() if key != name and len(other) >= band]
        best = max(history) if goal == "maximize" else min(history)
        if hyperband_reason(rule, goal, band, history[band - 1], best, others):
            names.append(name)
    return names


def test_hyperband_threshold_on_wandbs_own_example() -> None:
    rule = {"type": "hyperband", "max_iter": 5, "eta": 2, "s": 2, "strict": True}
    assert hyperband_bands(2, max_iter=5, s=2) == (1, 2)
    # sorted(values)[int(len / eta)]: band 1: five 10s -> 10; band 2: [6, 7, 8, 9, 10][2] -> 8
    assert hyperband_threshold([10, 10, 10, 10, 10], 2, "minimize") == 10
    assert hyperband_threshold([9, 10, 8, 7, 6], 2, "minimize") == 8
    # Of the running b, c and d, W&B stops b alone: c's 8 equals the threshold, which is not worse
    assert stopped(WANDB_RUNS, rule, "minimize", running="bcd") == ["b"]
    assert stopped(WANDB_RUNS, rule, "minimize", running="abcde") == ["a", "b"]  # a finished: W&B leaves it
    negated = {name: [-v for v in history] for name, history in WANDB_RUNS.items()}
    assert hyperband_threshold([-9, -10, -8, -7, -6], 2, "maximize") == -8
    assert stopped(negated, rule, "maximize", running="bcd") == ["b"]
    reason = hyperband_reason(rule, "minimize", 2, 10, 10, [9, 8, 7, 6])
    assert reason == "worse than 8, hyperband's threshold at band 2 (the best 1/2 of 5 trials' 2nd values)"


def test_hyperband_not_strict_judges_the_best_value_so_far() -> None:
    # W&B's test_eta_3: max_iter 9, eta 3, s 2, strict false: bands 1 and 3, thresholds 10 and 4
    runs = {"a": [9, 8], "b": [11, 11], "c": [10, 8, 3], "d": [10, 7, 4], "e": [10, 6, 6]}
    rule = {"type": "hyperband", "max_iter": 9, "eta": 3, "s": 2, "strict": False}
    assert stopped(runs, rule, "minimize", running="bcde") == ["b", "e"]
    assert hyperband_reason(rule, "minimize", 3, 6, 5, [3, 4]).startswith("its best so far, 5, is worse than 4")
    assert hyperband_reason(rule, "minimize", 3, 6, 4, [3, 4]) == ""  # strict would stop it: 6 > 4
    assert hyperband_reason({**rule, "strict": True}, "minimize", 3, 6, 4, [3, 4]) != ""


def test_a_trial_alone_at_a_band_goes_on() -> None:
    rule = {"type": "hyperband", "min_iter": 1, "eta": 3, "strict": True}
    assert hyperband_reason(rule, "maximize", 1, 0.0, 0.0, []) == ""  # sorted([v])[int(1 / 3)] is v itself
    assert hyperband_reason(rule, "maximize", 1, 0.4, 0.4, [0.5]) != ""  # of 2, only the best is kept


def test_hyperband_compares_the_nth_logged_values_whatever_their_steps() -> None:
    store = ResultStore(MEMORY)
    rule = {"type": "hyperband", "max_iter": 9, "s": 2, "eta": 3, "strict": True}  # bands 1 and 3

    def pruner(trial: str) -> Pruner:
        return Pruner(rule, Metric("acc", "maximize"), store, "session", "sweep", trial)

    first, second = pruner("first"), pruner("second")
    for step, acc in [(0, 0.5), (100, 0.6), (200, 0.9)]:
        first(step, {"acc": acc})
    second(7, {"acc": 0.6})  # its 1st value: compared with first's 1st (0.5), not with a step 7
    second(8, {"loss": 1.0})  # another metric: not a value of acc
    second(9, {"acc": 0.1})  # its 2nd value: no band, not judged
    with pytest.raises(pytest.skip.Exception, match=r"pruned at step 10: acc = 0.5, worse than 0.9, .* band 3 "):
        second(10, {"acc": 0.5})
    assert sorted(store.values_at("session", "sweep", 3, exclude="")) == [0.5, 0.9]
    assert store.values_at("session", "sweep", 2, exclude="") == []  # only band values are kept


def sweep_file(tmp_path: Path, rule: str) -> Path:
    """A sweep file whose ``early_terminate`` (line 4) is ``rule``."""
    path = tmp_path / "sweep_x.yaml"
    path.write_text(
        f"experiment: models:curve\nparameters: {{q: [1]}}\nmetric: {{name: acc}}\nearly_terminate: {rule}\n"
    )
    return path


def spec_error(tmp_path: Path, rule: str) -> str:
    with pytest.raises(SweepError) as excinfo:
        load_sweep_file(sweep_file(tmp_path, rule))
    return str(excinfo.value)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("{type: hyperband, max_iter: 9}", "early_terminate.max_iter: needs `s`, the number of bands *min_iter*"),
        (
            "{type: hyperband, max_iter: 2, s: 2}",
            "early_terminate.max_iter: 2 / eta 3 is below 1, so no band is left to judge at: raise max_iter to 3*",
        ),
        ("{type: hyperband, s: 2}", "early_terminate.s: counts bands down from max_iter: add `max_iter`*"),
        ("{type: hyperband, eta: 1}", "early_terminate.eta: must be a number above 1, not 1"),
        ("{type: hyperband, min_iter: 0}", "early_terminate.min_iter: must be a whole number of 1 or more, not 0"),
        ("{type: hyperband, strict: maybe}", "early_terminate.strict: must be true or false, not 'maybe'"),
        ("{type: hyperband, etta: 2}", "early_terminate.etta: unknown key (did you mean 'eta'?); hyperband takes *"),
        ("{type: hyperbnd}", "early_terminate.type: must be median or hyperband, not 'hyperbnd' (did you mean*"),
        ("{min_iter: 3}", "early_terminate: needs `type: median` or `type: hyperband`"),
        ("hyperband", "early_terminate: must be a mapping such as {type: hyperband, min_iter: 3}, not 'hyperband'"),
    ],
)
def test_bad_early_terminate_says_what_to_write(tmp_path: Path, rule: str, expected: str) -> None:
    assert fnmatch.fnmatchcase(spec_error(tmp_path, rule), f"sweep_x.yaml:4: {expected}")


@pytest.mark.parametrize(
    ("rule", "checked"),
    [
        ("{type: hyperband}", {"min_iter": 3, "eta": 3, "strict": True}),  # ours: W&B wants min_iter or max_iter
        ("{type: hyperband, max_iter: 1000, s: 2}", {"max_iter": 1000, "s": 2, "eta": 3, "strict": True}),
        ("{type: hyperband, min_iter: 1, eta: 2, strict: false}", {"min_iter": 1, "eta": 2, "strict": False}),
        ("{type: median}", {"min_iter": 3, "eta": 3}),
    ],
)
def test_early_terminate_defaults(tmp_path: Path, rule: str, checked: dict[str, object]) -> None:
    (spec,) = load_sweep_file(sweep_file(tmp_path, rule))
    assert spec.early_terminate is not None
    assert {key: value for key, value in spec.early_terminate.items() if key != "type"} == checked


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

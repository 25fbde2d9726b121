"""early_terminate: the rules, checked from the sweep file, and the pruning point of a stored-steps trial."""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from sweep_plugin.errors import SweepError
from sweep_plugin.pruners import MIN_OTHERS, StoredStepsPruner, hyperband_reason, hyperband_threshold, median_reason
from sweep_plugin.records import MEMORY, Goal, Metric, Pruned, ResultStore
from sweep_plugin.spec import EarlyTerminate, hyperband_bands, load_sweep_file

MAX, MIN = Goal.MAXIMIZE, Goal.MINIMIZE

MEDIAN = EarlyTerminate("median", eta=3, min_iter=3)


def test_median_rule_needs_warmup_and_enough_other_trials() -> None:
    others = [0.5, 0.6, 0.7, 0.8]
    assert median_reason(MEDIAN, MAX, 2, 0.1, others) == ""  # before min_iter
    assert median_reason(MEDIAN, MAX, 3, 0.1, others[: MIN_OTHERS - 1]) == ""  # too little evidence
    assert "median 0.65" in median_reason(MEDIAN, MAX, 3, 0.6, others)
    assert median_reason(MEDIAN, MAX, 3, 0.7, others) == ""
    assert median_reason(MEDIAN, MIN, 3, 0.6, others) == ""
    assert median_reason(MEDIAN, MIN, 3, 0.7, others) != ""


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


def stopped(runs: Mapping[str, Sequence[float]], rule: EarlyTerminate, goal: Goal, running: str) -> list[str]:
    """The ``running`` runs W&B stops: each judged at the last band it reached, against all runs' values there."""
    bands = rule.bands
    names = []
    for name, history in runs.items():
        if name not in running:
            continue
        band = max(b for b in bands if b <= len(history))
        others = [other[band - 1] for key, other in runs.items() if key != name and len(other) >= band]
        best = max(history) if goal is MAX else min(history)
        if hyperband_reason(rule, goal, band, history[band - 1], best, others):
            names.append(name)
    return names


def test_hyperband_threshold_on_wandbs_own_example() -> None:
    rule = EarlyTerminate("hyperband", eta=2, max_iter=5, s=2, strict=True)
    assert hyperband_bands(2, max_iter=5, s=2) == (1, 2)
    # sorted(values)[int(len / eta)]: band 1: five 10s -> 10; band 2: [6, 7, 8, 9, 10][2] -> 8
    assert hyperband_threshold([10, 10, 10, 10, 10], 2, MIN) == 10
    assert hyperband_threshold([9, 10, 8, 7, 6], 2, MIN) == 8
    # Of the running b, c and d, W&B stops b alone: c's 8 equals the threshold, which is not worse
    assert stopped(WANDB_RUNS, rule, MIN, running="bcd") == ["b"]
    assert stopped(WANDB_RUNS, rule, MIN, running="abcde") == ["a", "b"]  # a finished: W&B leaves it
    negated = {name: [-v for v in history] for name, history in WANDB_RUNS.items()}
    assert hyperband_threshold([-9, -10, -8, -7, -6], 2, MAX) == -8
    assert stopped(negated, rule, MAX, running="bcd") == ["b"]
    reason = hyperband_reason(rule, MIN, 2, 10, 10, [9, 8, 7, 6])
    assert reason == "worse than 8, hyperband's threshold at band 2 (the best 1/2 of 5 trials' 2nd values)"


def test_hyperband_not_strict_judges_the_best_value_so_far() -> None:
    # W&B's test_eta_3: max_iter 9, eta 3, s 2, strict false: bands 1 and 3, thresholds 10 and 4
    runs = {"a": [9, 8], "b": [11, 11], "c": [10, 8, 3], "d": [10, 7, 4], "e": [10, 6, 6]}
    rule = EarlyTerminate("hyperband", eta=3, max_iter=9, s=2, strict=False)
    assert stopped(runs, rule, MIN, running="bcde") == ["b", "e"]
    assert hyperband_reason(rule, MIN, 3, 6, 5, [3, 4]).startswith("its best so far, 5, is worse than 4")
    assert hyperband_reason(rule, MIN, 3, 6, 4, [3, 4]) == ""  # strict would stop it: 6 > 4
    assert hyperband_reason(dataclasses.replace(rule, strict=True), MIN, 3, 6, 4, [3, 4]) != ""


def test_a_trial_alone_at_a_band_goes_on() -> None:
    rule = EarlyTerminate("hyperband", eta=3, min_iter=1, strict=True)
    assert hyperband_reason(rule, MAX, 1, 0.0, 0.0, []) == ""  # sorted([v])[int(1 / 3)] is v itself
    assert hyperband_reason(rule, MAX, 1, 0.4, 0.4, [0.5]) != ""  # of 2, only the best is kept


def test_hyperband_compares_the_nth_logged_values_whatever_their_steps() -> None:
    store = ResultStore(MEMORY)
    rule = EarlyTerminate("hyperband", eta=3, max_iter=9, s=2, strict=True)  # bands 1 and 3

    def pruner(trial: str) -> StoredStepsPruner:
        return StoredStepsPruner(rule, Metric("acc", MAX), store, "session", "sweep", trial)

    first, second = pruner("first"), pruner("second")
    for step, acc in [(0, 0.5), (100, 0.6), (200, 0.9)]:
        first(step, {"acc": acc})
    second(7, {"acc": 0.6})  # its 1st value: compared with first's 1st (0.5), not with a step 7
    second(8, {"loss": 1.0})  # another metric: not a value of acc
    second(9, {"acc": 0.1})  # its 2nd value: no band, not judged
    with pytest.raises(Pruned, match=r"pruned at step 10: acc = 0.5, worse than 0.9, .* band 3 "):
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
        ("{type: hyperband}", EarlyTerminate("hyperband", eta=3, min_iter=3)),  # ours: W&B wants min_iter or max_iter
        ("{type: hyperband, max_iter: 1000, s: 2}", EarlyTerminate("hyperband", eta=3, max_iter=1000, s=2)),
        (
            "{type: hyperband, min_iter: 1, eta: 2, strict: false}",
            EarlyTerminate("hyperband", eta=2, min_iter=1, strict=False),
        ),
        ("{type: median}", EarlyTerminate("median", eta=3, min_iter=3)),
    ],
)
def test_early_terminate_defaults(tmp_path: Path, rule: str, checked: EarlyTerminate) -> None:
    (spec,) = load_sweep_file(sweep_file(tmp_path, rule))
    assert spec.early_terminate == checked

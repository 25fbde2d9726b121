"""Importance: the estimator fits how parameters were drawn, chance is ruled out, and seeds are noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sweep_plugin.records import Goal
from sweep_plugin.report.importance import epsilon_squared, importance, is_sampled, noise_share


def sampled(n: int, seed: int = 0) -> tuple[pd.Series, dict[str, pd.Series]]:
    """A random sweep over x and z in [0, 1] where only x matters."""
    rng = np.random.default_rng(seed)
    x, z = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    return pd.Series(x + 0.05 * rng.normal(size=n)), {"x": pd.Series(x), "z": pd.Series(z)}


def test_an_eight_trial_random_sweep_never_gives_an_idle_parameter_half_the_importance() -> None:
    """The issue's case: one group per value made x and z 50% each. Now z never outranks x, nor stands out."""
    for seed in range(5):
        y, columns = sampled(8, seed)
        found = importance(y, columns, {}, Goal.MAXIMIZE)
        assert found.method == "ped-anova"
        assert not found.stands_out("z")
        if found.ranked:
            assert found.shares["x"] > found.shares["z"]
        else:
            assert "too few trials to rank: with 8 finished" in found.note


def test_thirty_sampled_trials_rank_the_parameter_that_matters_and_grey_the_one_that_does_not() -> None:
    y, columns = sampled(30)
    found = importance(y, columns, {}, Goal.MAXIMIZE)
    assert found.ranked and found.stands_out("x") and not found.stands_out("z")
    assert found.shares["x"] > 0.8 and abs(sum(found.shares.values()) - 1) < 1e-9


def test_the_goal_decides_which_trials_are_the_best() -> None:
    """Minimising a metric that x raises still makes x the one that matters (its low end is the best)."""
    y, columns = sampled(30)
    assert importance(-y, columns, {}, Goal.MINIMIZE).stands_out("x")


def test_pure_noise_is_too_few_trials_to_rank() -> None:
    rng = np.random.default_rng(3)
    columns = {name: pd.Series(rng.uniform(0, 1, 40)) for name in ("a", "b", "c")}
    found = importance(pd.Series(rng.normal(size=40)), columns, {}, Goal.MAXIMIZE)
    assert not found.ranked and found.note.startswith("too few trials to rank")


def grid_with_repeats(repeats: int = 3) -> tuple[pd.Series, dict[str, pd.Series]]:
    rng = np.random.default_rng(1)
    rows = [(a, b, seed) for a in (1, 2, 3) for b in ("adam", "sgd") for seed in range(repeats)]
    frame = pd.DataFrame(rows, columns=["a", "b", "seed"])
    y = frame["a"] * 1.0 + rng.normal(0, 0.2, len(frame))
    return y, {name: frame[name] for name in frame}


def test_a_grid_is_judged_by_anova_and_the_seed_is_noise_not_a_parameter() -> None:
    y, columns = grid_with_repeats()
    found = importance(y, columns, {}, Goal.MAXIMIZE)
    assert found.method == "anova" and set(found.shares) == {"a", "b"}
    assert found.stands_out("a") and not found.stands_out("b")
    assert found.noise is not None and 0 < found.noise < 0.2
    assert "noise between repeats (seed)" in found.note


def test_the_noise_share_is_the_variance_within_configurations() -> None:
    y = pd.Series([1.0, 3.0, 10.0, 12.0])
    columns = {"a": pd.Series([0, 0, 1, 1]), "seed": pd.Series([0, 1, 0, 1])}
    # within: (1 + 1) + (1 + 1) = 4; total: 4 * 5.5^2 / ... computed directly
    total = float(((y - y.mean()) ** 2).sum())
    assert noise_share(y, columns) == 4 / total
    assert noise_share(y, {"a": columns["a"]}) is None  # no repeats, no noise to tell


def test_epsilon_squared_matches_its_formula_and_is_zero_when_every_value_ran_once() -> None:
    y = np.array([1.0, 2.0, 5.0, 6.0, 9.0, 10.0])
    codes = np.array([0, 0, 1, 1, 2, 2])
    total = float(((y - y.mean()) ** 2).sum())
    between = 2 * ((1.5 - 5.5) ** 2 + (5.5 - 5.5) ** 2 + (9.5 - 5.5) ** 2)
    within_ms = (total - between) / (6 - 3)
    assert abs(epsilon_squared(y, codes) - (between - 2 * within_ms) / total) < 1e-12
    assert epsilon_squared(y, np.arange(6)) == 0.0


def test_sampled_means_drawn_from_a_range() -> None:
    assert is_sampled(pd.Series([0.1, 0.2, 0.35]))  # no value twice
    assert is_sampled(pd.Series(np.linspace(0, 1, 11).tolist() * 2))  # more values than groups
    assert not is_sampled(pd.Series([1, 2, 3, 1, 2, 3]))  # a grid
    assert not is_sampled(pd.Series(["adam", "sgd", "lion"]))  # choices are not a range


def test_conditional_and_categorical_parameters_are_scored() -> None:
    """A parameter some trials lack, and a choice among lists and None, do not stop the estimate."""
    rng = np.random.default_rng(2)
    n = 30
    x = rng.uniform(0, 1, n)
    layers = pd.Series([[64, 64] if i % 2 else None for i in range(n)], dtype=object)
    momentum = pd.Series([float(v) if i % 3 else np.nan for i, v in enumerate(rng.uniform(0, 1, n))])
    found = importance(pd.Series(x), {"x": pd.Series(x), "layers": layers, "momentum": momentum}, {}, Goal.MAXIMIZE)
    assert set(found.shares) == {"x", "layers", "momentum"} and found.stands_out("x")


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
    st.sampled_from([Goal.MINIMIZE, Goal.MAXIMIZE]),
)
def test_shares_sum_to_one_or_are_all_zero_and_p_values_are_probabilities(values: list[float], goal: Goal) -> None:
    n = len(values)
    columns = {"a": pd.Series([i % 3 for i in range(n)]), "b": pd.Series(np.linspace(0, 1, n))}
    found = importance(pd.Series(values), columns, {}, goal)
    total = sum(found.shares.values())
    assert total == 0 or abs(total - 1) < 1e-9
    assert all(0 < p <= 1 for p in found.p_values.values())
    assert all(share >= 0 for share in found.shares.values())


def test_fewer_than_three_trials_per_sampled_parameter_are_not_ranked() -> None:
    """Seen on a public W&B sweep file: 24 random trials of 10 parameters put an idle one first, "standing out"."""
    rng = np.random.default_rng(0)
    columns = {f"p{i}": pd.Series(rng.uniform(0, 1, 24)) for i in range(10)}
    found = importance(pd.Series(columns["p0"] * 10), columns, {}, Goal.MAXIMIZE)
    assert not found.ranked and "fewer than 3 per parameter drawn from a range" in found.note
    y, columns = sampled(30)
    assert importance(y, columns, {}, Goal.MAXIMIZE).ranked  # 15 per parameter: ranked as before

"""The estimate of how long the selected trials take, from stored durations."""

from __future__ import annotations

from sweep_plugin.records import estimate


def test_unknown_trials_take_their_sweeps_mean_and_sweeps_without_history_are_left_out() -> None:
    durations = {"f.yaml::a[x:1]": 10.0, "f.yaml::a[x:2]": 30.0}
    found = estimate(["f.yaml::a[x:1]", "f.yaml::a[x:2]", "f.yaml::a[x:3]", "f.yaml::b[y:1]"], durations, 2)
    assert found is not None
    assert (found.seconds, found.trials, found.known, found.unknown) == (30.0, 3, 2, 1)
    assert found.line() == "sweeps: about 30 s for 3 trials on 2 workers (2 ran before; 1 with no history left out)"
    assert estimate(["f.yaml::b[y:1]"], durations, 2) is None


def test_the_longest_trial_bounds_the_time() -> None:
    found = estimate(["f.yaml::a[x:1]", "f.yaml::a[x:2]"], {"f.yaml::a[x:1]": 600.0, "f.yaml::a[x:2]": 30.0}, 4)
    assert found is not None and found.line().startswith("sweeps: about 10 min for 2 trials on 4 workers")

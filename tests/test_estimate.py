"""The estimate at collection: from the durations the store kept of earlier runs, said only when there are some."""

from __future__ import annotations

import pytest

from sweep_plugin.records import estimate

MODEL = """
import time

def train(config, trial):
    time.sleep(config["wait"])
    return {"acc": 1.0}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_e="experiment: model:train\nparameters:\n  wait: [0.2, 0.4, 0.6, 0.8]\n")
    return pytester


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_second_run_says_how_long_it_should_take(project: pytest.Pytester, processes: str) -> None:
    first = project.runpytest("-n", processes, "-p", "no:cacheprovider")
    first.assert_outcomes(passed=4)
    first.stdout.no_fnmatch_line("*sweeps: about*")  # no history: nothing said
    second = project.runpytest("-n", processes, "-p", "no:cacheprovider")
    workers = "1 worker" if processes == "0" else "2 workers"
    second.stdout.fnmatch_lines([f"sweeps: about * s for 4 trials on {workers} (4 ran before)"])


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

"""The estimate at collection: from the durations the store kept of earlier runs, said only when there are some."""

from __future__ import annotations

import pytest

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

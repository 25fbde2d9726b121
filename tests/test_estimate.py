"""The estimate at collection: from the durations the store kept of earlier runs, said only when there are some,
plus what earlier sessions cost beyond their trials."""

from __future__ import annotations

import re

import pytest

MODEL = """
import time

def train(config, trial):
    time.sleep(config["wait"])
    return {"acc": 1.0}
"""

SLOW_START = """
import time

def pytest_collection_finish(session):
    time.sleep(2.0)  # start-up and collection a sweep session pays beyond its trials
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
    second.stdout.fnmatch_lines(
        [f"sweeps: about * s for 4 trials on {workers} (trials * s, from 4 that ran before; session overhead * s,*"]
    )
    unreported = project.runpytest("-n", processes, "-p", "no:cacheprovider", "--sweep-no-report")
    unreported.stdout.fnmatch_lines(["*from 4 that ran before; session overhead not known yet, left out)"])


@pytest.mark.parametrize("processes", ["0", "2"])
def test_the_estimate_adds_the_overhead_the_last_session_measured(project: pytest.Pytester, processes: str) -> None:
    project.makeconftest(SLOW_START)
    project.runpytest("-n", processes, "-p", "no:cacheprovider").assert_outcomes(passed=4)
    second = project.runpytest("-n", processes, "-p", "no:cacheprovider")
    line = re.search(
        r"sweeps: about (\d+) s for 4 trials on \d+ workers? "
        r"\(trials (\d+) s, from 4 that ran before; session overhead (\d+) s, the last session\)",
        second.stdout.str(),
    )
    assert line is not None, second.stdout.str()
    total, trials, overhead = (int(figure) for figure in line.groups())
    assert overhead >= 2  # the first session's slow collection
    assert total >= trials + overhead - 1  # both parts, each rounded to the second

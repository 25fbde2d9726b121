"""Metric and parameter names as W&B users write them: ``val/f1``, ``val mAP``, ``batch-size``.

Such a name is no Python name, so the expression language reads it quoted:
``metric("val/f1")``, ``param("batch-size")``, ``baseline("val/f1")``. The
argument is a string literal checked at collection, so a quoted name is still
only a lookup, and a bare ``val/f1`` (a division) gets an error that says how
to write it.
"""

from __future__ import annotations

import csv
from textwrap import dedent

import pytest

QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


# --- real sessions ------------------------------------------------------------------

MODELS = """
    def train(config):
        assert config["batch-size"] <= 32, "the constraint let a trial through"
        return {"val/f1": 0.9, "val mAP": 0.5}
"""
SWEEP = """
    experiment: models:train
    parameters:
      batch-size: [8, 16, 32, 64]
    constraints:
      - param("batch-size") <= 32
    expect:
      - metric("val/f1") >= 0.8
      - metric("val mAP") >= 0.6
"""


def project(pytester: pytest.Pytester, sweep: str = SWEEP) -> pytest.Pytester:
    pytester.makepyfile(models=dedent(MODELS))
    pytester.makefile(".yaml", sweep_x=dedent(sweep))
    return pytester


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["n0", "n2"])
def test_a_session_reads_quoted_metrics_and_parameters(pytester: pytest.Pytester, workers: tuple[str, ...]) -> None:
    result = project(pytester).runpytest(*QUIET, *workers)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(['*sweep_x.yaml:8: metric("val mAP") >= 0.6: val mAP = 0.5'])
    assert 'metric("val/f1") >= 0.8:' not in result.stdout.str()  # the expectation it kept is no failure
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["trial"] for row in rows) == ["batch-size:16", "batch-size:32", "batch-size:8"]
    assert {row["metrics.val/f1"] for row in rows} == {"0.9"}


def test_a_session_passes_when_every_quoted_expectation_holds(pytester: pytest.Pytester) -> None:
    result = project(pytester, SWEEP.replace(">= 0.6", ">= 0.5")).runpytest(*QUIET, "--sweep-no-report")
    result.assert_outcomes(passed=3)


def test_a_quoted_baseline(pytester: pytest.Pytester) -> None:
    sweep = SWEEP.replace('metric("val mAP") >= 0.6', 'metric("val/f1") >= baseline("val/f1") - 0.05')
    project(pytester, sweep)
    (pytester.path / "baseline.csv").write_text(
        "sweep,trial,metrics.val/f1\nx,batch-size:8,0.9\nx,batch-size:16,0.99\nx,batch-size:32,0.94\n"
    )
    result = pytester.runpytest(*QUIET, "--sweep-no-report", "--sweep-baseline", "baseline.csv")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ['*metric("val/f1") >= baseline("val/f1") - 0.05: val/f1 = 0.9, baseline.val/f1 = 0.99']
    )


def test_a_bare_slash_name_fails_the_trial_with_the_quoted_form(pytester: pytest.Pytester) -> None:
    project(pytester, SWEEP.replace('metric("val/f1")', "val/f1"))
    result = pytester.runpytest(*QUIET, "--sweep-no-report")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        ["""*sweep_x.yaml:7: val/f1 >= 0.8: 'val' is not defined (if val/f1 is one name, write metric("val/f1"))"""]
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'param("batch-size") <= 32',
            "batch-size <= 32",
            """sweep_x.yaml:*: constraints.0: 'batch' is not a parameter (if batch-size is one name,"""
            """ write param("batch-size"))""",
        ),
        (
            'param("batch-size") <= 32',
            'metric("val/f1") > 0',
            'sweep_x.yaml:*: constraints.0: metric("val/f1"): a constraint is checked before its trial runs*',
        ),
        (
            'metric("val/f1") >= 0.8',
            "metric(val/f1) >= 0.8",
            'sweep_x.yaml:7: expect.0: metric() takes one name in quotes, not metric(val/f1): write metric("val/f1")*',
        ),
        (
            'metric("val mAP") >= 0.6',
            "val mAP >= 0.6",
            """sweep_x.yaml:8: expect.1: cannot parse 'val mAP >= 0.6': invalid syntax*write metric("val mAP")*""",
        ),
    ],
    ids=["bare-constraint", "metric-in-constraint", "unquoted", "spaces"],
)
def test_a_name_written_wrong_is_a_collection_error_that_shows_how(
    pytester: pytest.Pytester, old: str, new: str, message: str
) -> None:
    project(pytester, SWEEP.replace(old, new))
    result = pytester.runpytest(*QUIET, "--sweep-no-report")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    assert "Traceback" not in result.stdout.str()

"""Warnings as errors (`-W error`, `filterwarnings = error`) never turn a report problem into a failed session."""

from __future__ import annotations

import pytest

MODEL = """
def train(config):
    return {"acc": config["x"] / 10}
"""

# A plot that warns as matplotlib does (a glyph missing from the font), and one that cannot be drawn at all.
CONFTEST = """
import warnings
from sweep_plugin.report import plots

drawn = plots.outcomes_plot

def noisy(*args, **kwargs):
    warnings.warn("Glyph 9731 (\\\\N{SNOWMAN}) missing from font(s) DejaVu Sans.", UserWarning)
    return drawn(*args, **kwargs)

def broken(*args, **kwargs):
    raise ValueError("cannot draw this one")

plots.outcomes_plot = noisy
plots.importance_plot = broken
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".yaml", sweep_w="experiment: model:train\nparameters: {x: [1, 2, 3]}\nmetric: {name: acc}\n")
    return pytester


@pytest.mark.parametrize("filters", [["-W", "error::UserWarning"], ["-W", "error"], ["-o", "filterwarnings=error"]])
def test_a_report_problem_under_warnings_as_errors_is_a_warning_not_a_failed_session(
    project: pytest.Pytester, filters: list[str]
) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", *filters)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(["*SweepReportWarning: could not write w/importance.png: ValueError: cannot draw*"])
    reports = project.path / "reports"
    assert (reports / "index.html").exists() and (reports / "w" / "outcomes.png").exists()  # drawn, warning and all
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str() and "Traceback" not in result.stderr.str()


def test_ignoring_the_plugins_warnings_still_holds(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::sweep_plugin.SweepWarning")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=3)
    assert "importance.png" not in result.stdout.str()

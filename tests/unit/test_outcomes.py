"""A trial's ending: raised by the pure layers without pytest, shown by pytest as its own outcome."""

from __future__ import annotations

from typing import Literal

import pytest

from sweep_plugin.records import ExpectationFailed, Outcome, Pruned, SlotTaken, TrialCrashed, TrialEnded, TrialError
from sweep_plugin.running import PytestExpectationFailed, as_pytest, classify


def ended_by(error: BaseException) -> tuple[Outcome, str]:
    try:
        raise error
    except BaseException:
        return classify(pytest.ExceptionInfo.from_current())


def test_an_ending_is_no_exception_an_experiment_would_swallow() -> None:
    assert not issubclass(TrialEnded, Exception)
    with pytest.raises(Pruned):
        try:
            raise Pruned("pruned at step 3")
        except Exception:  # an experiment's own guard around its training loop
            pytest.fail("a pruning verdict must pass through `except Exception`")


@pytest.mark.parametrize(
    ("ended", "base", "outcome", "message"),
    [
        (ExpectationFailed(["f.yaml:3: acc >= 0.9: acc = 0.5"], {"lr": 0.1}), pytest.fail.Exception, "failed", None),
        (TrialCrashed("command exited with code 3\nstderr", returncode=3), pytest.fail.Exception, "crashed", None),
        (TrialError("bad metrics line\nmore"), pytest.fail.Exception, "error", "TrialError: bad metrics line"),
        (Pruned("pruned at step 4: acc = 0.1\nwhy"), pytest.skip.Exception, "pruned", "pruned at step 4: acc = 0.1"),
        (SlotTaken("trial:03 is run by another session"), pytest.skip.Exception, "skipped", None),
    ],
)
def test_each_ending_is_pytests_outcome_of_the_same_name(
    ended: TrialEnded, base: type[BaseException], outcome: str, message: str | None
) -> None:
    shown = as_pytest(ended)
    assert isinstance(shown, base)
    assert type(shown).__name__ == type(ended).__name__ and type(shown).__module__ == "builtins"
    assert str(shown) == ended.message
    assert ended_by(shown) == (outcome, message or ended.summary)
    assert ended_by(ended) == ended_by(shown)  # unconverted, it reads the same


def test_a_missed_expectation_lists_each_check_and_the_params() -> None:
    missed = ExpectationFailed(["a.yaml:3: acc >= 0.9: acc = 0.5", "a.yaml:4: loss < 1: loss = 2"], {"lr": 0.1})
    assert missed.message.splitlines()[-1] == "params: lr=0.1"
    assert ended_by(as_pytest(missed)) == ("failed", "a.yaml:3: acc >= 0.9: acc = 0.5\na.yaml:4: loss < 1: loss = 2")
    assert isinstance(as_pytest(missed), PytestExpectationFailed)  # what retries must not rerun


def test_pytests_own_endings_are_classified_too() -> None:
    assert ended_by(pytest.skip.Exception("no GPU")) == ("skipped", "no GPU")
    assert ended_by(pytest.fail.Exception("Timeout (>1.0s) from pytest-timeout.")) == (
        "timeout",
        "Timeout (>1.0s) from pytest-timeout.",
    )
    assert ended_by(RuntimeError("diverged\ntraceback")) == ("error", "RuntimeError: diverged")
    assert ended_by(KeyError()) == ("error", "KeyError")
    assert classify(None) == ("passed", "")


@pytest.mark.parametrize("action", ["error", "always"])
def test_the_plugins_warnings_are_shown_even_where_warnings_are_errors(action: Literal["error", "always"]) -> None:
    """What the plugin could not read or write never fails a session, whatever ``-W`` says; ``ignore`` holds."""
    import warnings

    from sweep_plugin.errors import SweepWarning, warn_about

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        warn_about("reports", "store unusable")
        warnings.simplefilter("ignore", SweepWarning)
        warn_about("reports", "not shown")
    assert [(str(w.message), w.filename) for w in caught] == [("store unusable", "reports")]

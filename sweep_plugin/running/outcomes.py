"""The roles' edge: a trial's ending as pytest's own outcome, and a trial's outcome from how its phase ended.

A `TrialEnded` raised by the pure layers becomes a `pytest.fail` or
`pytest.skip` exception of the same name (``TrialCrashed: ...`` in pytest's
summary, a pruned trial skipped), raised with a short message and no
traceback of the plugin's own: the useful part is what the trial did, not
where in the plugin it was noticed. Their module is ``builtins`` so pytest
shows plain ``TrialCrashed: ...``, as for ``Failed``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..records.outcomes import ExpectationFailed, Pruned, SlotTaken, TrialCrashed, TrialEnded, TrialError
from ..records.schema import Outcome

if TYPE_CHECKING:
    # pytest exports these classes only as ``pytest.fail.Exception`` and ``pytest.skip.Exception``.
    from _pytest.outcomes import Failed, OutcomeException, Skipped
else:
    Failed, Skipped = pytest.fail.Exception, pytest.skip.Exception

TIMEOUT_TEXT = "from pytest-timeout"


class _FailedTrial(Failed):
    """A trial that failed, errored or crashed, as pytest's failure (no traceback)."""

    def __init__(self, ended: TrialEnded) -> None:
        super().__init__(ended.message, pytrace=False)
        self.ended = ended


class _SkippedTrial(Skipped):
    """A pruned trial, or a slot another session holds, as pytest's skip (at the trial's own location)."""

    def __init__(self, ended: TrialEnded) -> None:
        super().__init__(ended.message, _use_item_location=True)
        self.ended = ended


def _form(kind: type[TrialEnded]) -> type[_FailedTrial] | type[_SkippedTrial]:
    base = _SkippedTrial if kind.outcome in (Outcome.PRUNED, Outcome.SKIPPED) else _FailedTrial
    return type(kind.__name__, (base,), {"__module__": "builtins", "__doc__": kind.__doc__})


_FORMS: dict[type[TrialEnded], type[_FailedTrial] | type[_SkippedTrial]] = {
    kind: _form(kind) for kind in (ExpectationFailed, TrialCrashed, TrialError, Pruned, SlotTaken)
}
PytestExpectationFailed = _FORMS[ExpectationFailed]  # what rerunfailures must not rerun (`retries`)


def as_pytest(ended: TrialEnded) -> OutcomeException:
    """``ended`` as the pytest outcome that shows it: failed (``TrialCrashed: ...``) or skipped."""
    return _FORMS.get(type(ended), _FailedTrial)(ended)


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None) -> tuple[Outcome, str]:
    """The outcome of a trial and a one-line message, from how its phase ended."""
    if excinfo is None:
        return Outcome.PASSED, ""
    error = excinfo.value
    ended = getattr(error, "ended", error)
    if isinstance(ended, TrialEnded):
        return ended.outcome, ended.summary
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, pytest.skip.Exception):
        return Outcome.SKIPPED, message
    if TIMEOUT_TEXT in str(error):
        return Outcome.TIMEOUT, message
    return Outcome.ERROR, f"{type(error).__name__}: {message}" if message else type(error).__name__

"""How a trial ends, if not by passing: one exception per way, each knowing its `Outcome`.

The pure layers (search methods, pruners, verdicts) and the runners raise
these; they know nothing of pytest. The roles turn one into pytest's own
outcome at their edge (`sweep_plugin.running.outcomes.as_pytest`), so pytest
shows a short ``TrialCrashed: ...`` line and a pruned trial as skipped.

They derive from `BaseException`, as pytest's outcomes do: an experiment's
own ``except Exception`` around its training loop never swallows a pruning
verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from .schema import Outcome


class TrialEnded(BaseException):
    """A trial ended other than by passing; ``message`` says how, in a line or a few."""

    outcome: ClassVar[Outcome] = Outcome.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def summary(self) -> str:
        """The record's message: the first line, named by the kind of ending."""
        line = _first_line(self.message)
        return f"{type(self).__name__}: {line}" if line else type(self).__name__

    def __str__(self) -> str:
        return self.message


class ExpectationFailed(TrialEnded):
    """A trial ran but missed ``expect`` thresholds: outcome ``failed``."""

    outcome = Outcome.FAILED

    def __init__(self, missed: list[str], params: Mapping[str, Any], unreported: Sequence[Any] = ()) -> None:
        shown = ", ".join(f"{path}={value!r}" for path, value in params.items())
        super().__init__("\n".join([*missed, f"params: {shown}"]))
        self.missed = missed
        self.unreported = tuple(unreported)  # metrics it should have reported and did not (`verdicts.Unreported`)

    @property
    def summary(self) -> str:
        return "\n".join(self.missed)


class TrialCrashed(TrialEnded):
    """The trial's process exited non-zero, died of a signal, or could not start: outcome ``crashed``."""

    outcome = Outcome.CRASHED

    def __init__(self, message: str, *, returncode: int | None = None) -> None:
        super().__init__(message)
        self.returncode = returncode

    @property
    def summary(self) -> str:
        return self.message


class TrialError(TrialEnded):
    """The trial ran, but what it gave back cannot be used (a bad metrics line, a result that is
    not a mapping) or its folder or study cannot be written: outcome ``error``."""

    outcome = Outcome.ERROR


class Pruned(TrialEnded):
    """A trial stopped early by ``early_terminate``: shown as skipped, outcome ``pruned``."""

    outcome = Outcome.PRUNED

    @property
    def summary(self) -> str:
        return _first_line(self.message)


class SlotTaken(TrialEnded):
    """Another session holds an adaptive sweep's slot: this session skips it."""

    outcome = Outcome.SKIPPED

    @property
    def summary(self) -> str:
        return _first_line(self.message)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""

"""How a trial ends, if not by passing: the exceptions that end it, and its outcome from them.

Each is a pytest outcome (``pytest.fail``/``pytest.skip``) raised with a short
message and no traceback of the plugin's own: the useful part is what the
trial did, not where in the plugin it was noticed. Their module is set to
``builtins`` so pytest shows plain ``TrialCrashed: ...``, as for ``Failed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    # pytest exports these classes only as ``pytest.fail.Exception`` and ``pytest.skip.Exception``.
    from _pytest.outcomes import Failed, Skipped
else:
    Failed, Skipped = pytest.fail.Exception, pytest.skip.Exception

TIMEOUT_TEXT = "from pytest-timeout"


class ExpectationFailed(Failed):
    """A trial ran but missed ``expect`` thresholds: outcome ``failed``."""

    __module__ = "builtins"

    def __init__(self, missed: list[str], params: Mapping[str, Any]) -> None:
        shown = ", ".join(f"{path}={value!r}" for path, value in params.items())
        super().__init__("\n".join([*missed, f"params: {shown}"]), pytrace=False)
        self.missed = missed


class TrialCrashed(Failed):
    """The trial's process exited non-zero, died of a signal, or could not start: outcome ``crashed``."""

    __module__ = "builtins"

    def __init__(self, msg: str, *, returncode: int | None = None) -> None:
        super().__init__(msg, pytrace=False)
        self.returncode = returncode


class TrialError(Failed):
    """The trial ran, but what it gave back cannot be used (a bad metrics line, a result that is
    not a mapping) or its folder cannot be written: outcome ``error``."""

    __module__ = "builtins"

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


class GateFailed(Failed):
    """A configuration's repeats missed its ``gate:`` or regressed against the baseline."""

    __module__ = "builtins"

    def __init__(self, msg: str) -> None:
        super().__init__(msg, pytrace=False)


class Pruned(Skipped):
    """A trial stopped early by ``early_terminate``: shown as skipped, outcome ``pruned``."""

    __module__ = "builtins"


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None) -> tuple[str, str]:
    """The outcome of a trial and a one-line message, from how its phase ended."""
    if excinfo is None:
        return "passed", ""
    error = excinfo.value
    if isinstance(error, ExpectationFailed):
        return "failed", "\n".join(error.missed)
    if isinstance(error, TrialCrashed):
        return "crashed", str(error.msg)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, Pruned):
        return "pruned", message
    if isinstance(error, pytest.skip.Exception):
        return "skipped", message
    if TIMEOUT_TEXT in str(error):
        return "timeout", message
    return "error", f"{type(error).__name__}: {message}" if message else type(error).__name__

"""`Trial`: what an experiment sees of its trial, and what it reports back."""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def as_metric(name: str, value: Any) -> float:
    """A metric value as a builtin float (numpy scalars travel badly between processes)."""
    __tracebackhide__ = True
    if isinstance(value, bool) or not hasattr(value, "__float__"):
        raise TypeError(f"metric {name!r} must be a number, not {reprlib.repr(value)}")
    return float(value)


class Trial:
    """One trial's parameters, artifact folder, learning curve and final metrics.

    ``log`` keeps every step (the learning curve); the final metrics are the
    last logged value of each metric, overridden by what the experiment
    returns.
    """

    def __init__(
        self,
        *,
        sweep: str,
        trial_id: str,
        params: Mapping[str, Any],
        directory: Path,
        on_log: Callable[[int, dict[str, float]], None] | None = None,
    ) -> None:
        self.sweep = sweep
        self.id = trial_id
        self.params = dict(params)
        self.history: list[dict[str, float]] = []
        self.metrics: dict[str, float] = {}
        self._directory = directory
        self._on_log = on_log

    @property
    def dir(self) -> Path:
        """This trial's own folder for artifacts, created on first use."""
        __tracebackhide__ = True  # a failure here is about the folder, not the plugin's code
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"cannot create the trial's folder: {exc.strerror}"
            raise OSError(exc.errno, message, str(self._directory)) from None
        return self._directory

    def log(self, step: int | None = None, **metrics: Any) -> None:
        """Record ``metrics`` at ``step`` (default: the step after the last one).

        This is the pruning point: with ``early_terminate``, a lagging trial
        stops here (the exception is the plugin's; let it propagate).
        """
        __tracebackhide__ = True
        self.record(step, metrics)

    def record(self, step: int | None, metrics: Mapping[str, Any]) -> None:
        """`log` for values named anything (``self``, ``step``-free names from a program's log)."""
        __tracebackhide__ = True
        if step is None:
            step = int(self.history[-1]["step"]) + 1 if self.history else 0
        values = {name: as_metric(name, value) for name, value in metrics.items()}
        self.history.append({"step": int(step), **values})
        self.metrics.update(values)
        if self._on_log is not None:
            self._on_log(int(step), values)

    def finish(self, returned: Mapping[str, Any] | None) -> None:
        """Take the experiment's returned mapping as the final metrics."""
        if returned is None:
            return
        if not isinstance(returned, Mapping):
            raise TypeError(f"return a mapping of metrics or None, not {type(returned).__name__}")
        self.metrics.update({str(name): as_metric(str(name), value) for name, value in returned.items()})

    def __repr__(self) -> str:
        return f"<Trial {self.sweep}[{self.id}]>"

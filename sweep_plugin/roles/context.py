"""`SweepContext`: what the parts of the plugin in one pytest process share.

Made once at configure and kept in ``config.stash`` under one key; the
collectors and both roles take it from there, and everything else gets
what it needs from them as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..records import Record
    from ..settings import Run, Settings
    from .tracking import Tracker


@dataclass
class SweepContext:
    """The settings and run of this process, and what collection found for the controller."""

    settings: Settings
    run: Run
    notes: list[str] = field(default_factory=list)  # for the user: what constraints removed, what resume reused
    resumed: list[Record] = field(default_factory=list)  # records --sweep-resume reused here, not run again
    carried: list[Record] = field(default_factory=list)  # a continuation's trials not run now: stored results
    usage_errors: list[str] = field(default_factory=list)  # what xdist workers found wrong with the options
    tracker: Tracker | None = None  # --sweep-mlflow: this process's MLflow client
    baseline: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # --sweep-baseline's metrics

    def __post_init__(self) -> None:
        if self.settings.baseline is not None:
            from ..verdicts import BaselineError, load_baseline

            try:
                self.baseline = load_baseline(self.settings.baseline)
            except BaselineError as exc:
                raise pytest.UsageError(f"--sweep-baseline: {exc}") from None
        if self.settings.mlflow:
            from .tracking import Tracker

            self.tracker = Tracker(self.settings.mlflow, self.run.session, self.settings.report_dir)


CONTEXT = pytest.StashKey[SweepContext]()


def sweep_context(config: pytest.Config) -> SweepContext:
    """The context of ``config``'s process (made by the plugin's ``pytest_configure``)."""
    return config.stash[CONTEXT]

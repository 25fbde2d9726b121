"""`SweepContext`: what the parts of the plugin in one pytest process share.

Made once at configure and kept in ``config.stash`` under one key; the
collectors and both roles take it from there, and everything else gets
what it needs from them as arguments.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .records import Record
    from .settings import Run, Settings
    from .tracking import Tracker


@dataclass
class SweepContext:
    """The settings and run of this process, and what collection found for the controller."""

    settings: Settings
    run: Run
    notes: list[str] = field(default_factory=list)  # for the user: what constraints removed, what resume reused
    resumed: list[Record] = field(default_factory=list)  # records --sweep-resume reused here, not run again
    tracker: Tracker | None = None  # --sweep-mlflow: this process's MLflow client

    def __post_init__(self) -> None:
        if self.settings.mlflow:
            from .tracking import Tracker

            self.tracker = Tracker(self.settings.mlflow, self.run.session, self.settings.report_dir)


class SweepWarning(pytest.PytestWarning):
    """A sweep file key that does not apply here, or something the plugin could not do or write."""


def warn_about(where: Path | str, message: str) -> None:
    """Warn with ``where`` (the file or folder the problem is about) as the location, not the plugin's code."""
    warnings.warn_explicit(SweepWarning(message), SweepWarning, str(where), 0)


CONTEXT = pytest.StashKey[SweepContext]()


def sweep_context(config: pytest.Config) -> SweepContext:
    """The context of ``config``'s process (made by the plugin's ``pytest_configure``)."""
    return config.stash[CONTEXT]

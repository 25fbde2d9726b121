"""`TrialsFound`: the switch that makes a session a sweep session, on the process that gathers results.

A session without trials must see no change, yet whether it runs trials is
known only during collection (or, under xdist, when a worker reports). The
first part of the controller to see a trial turns the switch: the JSON
report goes on and SIGTERM becomes an interrupt, so a report gets written.
"""

from __future__ import annotations

import pytest

from ..collection import case_of
from . import jsonreport
from .context import SweepContext
from .interrupts import SigtermAsInterrupt


class TrialsFound:
    """Turned on once trials (or resumed results) show up; the parts of the controller ask `on`."""

    def __init__(self, config: pytest.Config, context: SweepContext) -> None:
        self.config = config
        self.context = context
        self.on = False
        self.sigterm = SigtermAsInterrupt()

    def now(self) -> None:
        """Trials run in this session: turn on the JSON report and make SIGTERM an interrupt."""
        if self.on:
            return
        self.on = True
        if self.context.settings.report:
            jsonreport.turn_on(self.config, self.context.settings.report_dir, self.context.run.started)
        self.sigterm.start()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist this process collected: trials or resumed results make it a sweep session."""
        if self.context.resumed or any(case_of(item) for item in session.items):
            self.now()

"""`Announcer`: what collection tells the user, on the process that gathers results.

What constraints removed, what resume reused, and how long the selected
trials should take (from the store's durations of earlier runs). Without
xdist that is said after collection; under xdist the workers collect, so
the estimate comes when the first one has, and the notes at the end (the
first worker that ends hands them over: `TrialLog.pytest_testnodedown`).
"""

from __future__ import annotations

from typing import Any

import pytest

from ..collection import case_of
from ..records import ResultStore, StoreError, estimate
from .context import SweepContext
from .session import TrialsFound


class Announcer:
    """Collection's notes and the time estimate; `unshown` are the notes still to print at the end."""

    def __init__(self, config: pytest.Config, context: SweepContext, found: TrialsFound) -> None:
        self.config = config
        self.context = context
        self.found = found
        self.shown = 0  # notes printed at collection
        self.collected: list[str] = []  # this process's trials, without xdist
        self.estimated = False

    @property
    def unshown(self) -> list[str]:
        return self.context.notes[self.shown :]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Without xdist: the trials this process collected, for the estimate."""
        self.collected = [item.nodeid for item in session.items if case_of(item) is not None]

    def pytest_report_collectionfinish(self) -> list[str]:
        """Say what constraints removed, what resume reuses and how long it should take (after collection, no xdist)."""
        self.shown = len(self.context.notes)
        return list(self.context.notes) + self._estimate(self.collected, 1)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing: sweep files among a worker's ids say trials run."""
        if self.estimated:  # every worker collects alike: the first one's ids are the session's
            return
        settings = self.context.settings
        files = {file for file in dict.fromkeys(n.partition("::")[0] for n in ids) if settings.is_sweep_file(file)}
        if files:
            self.found.now()
        trials = [nodeid for nodeid in ids if "[" in nodeid and nodeid.partition("::")[0] in files]
        workers = int(getattr(node, "workerinput", {}).get("workercount", 1))
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in self._estimate(trials, workers):
            if reporter is not None:
                reporter.write_line(line)

    def _estimate(self, trials: list[str], workers: int) -> list[str]:
        """The line saying how long ``trials`` should take, if the store knows earlier runs of them."""
        self.estimated = True
        settings = self.context.settings
        if not trials or not settings.store or not settings.store_path.exists():
            return []
        store = ResultStore(settings.store_path)
        try:
            durations = store.durations(trials, before=self.context.run.started)
        except StoreError:
            return []
        finally:
            store.close()
        found = estimate(trials, durations, workers)
        return [found.line()] if found else []

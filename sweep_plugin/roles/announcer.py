"""`Announcer`: what collection tells the user, on the process that gathers results.

What constraints removed, what resume reused, and how long the session
should take (from the store's durations of earlier trials and the overhead
earlier sessions measured). Without xdist that is said after collection;
under xdist the workers collect, so the estimate comes when the first one
has, and the notes at the end (the first worker that ends hands them over:
`TrialLog.pytest_testnodedown`).
"""

from __future__ import annotations

from typing import Any

import pytest

from ..collection import case_of
from ..records import RECENT_SESSIONS, ResultStore, StoreError, estimate
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
        self.workers = 1  # xdist's real workers, once the first has collected

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
        workers = self.workers = int(getattr(node, "workerinput", {}).get("workercount", 1))
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        for line in self._estimate(trials, workers):
            if reporter is not None:
                reporter.write_line(line)

    def _estimate(self, trials: list[str], workers: int) -> list[str]:
        """The line saying how long ``trials`` and the session should take, if the store knows earlier runs of them.

        The overhead is that of recent sessions that wrote a report, or not, as this one will.
        """
        self.estimated = True
        settings, started = self.context.settings, self.context.run.started
        if not trials or not settings.store or not settings.store_path.exists():
            return []
        store = ResultStore(settings.store_path)
        try:
            durations = store.durations(trials, before=started)
            sessions = store.sessions(before=started, report=settings.report, last=RECENT_SESSIONS)
        except StoreError:
            return []
        finally:
            store.close()
        found = estimate(trials, durations, workers, [session.overhead for session in sessions])
        return [found.line()] if found else []

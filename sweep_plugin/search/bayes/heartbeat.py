"""Sessions that prove they are alive, so a slot a killed session left running is run again.

A trial of a session killed outright (``kill -9``, a lost machine) stays
RUNNING in the study for ever, and the sessions that continue the study
would skip its slot as another's. Every process of a session that opened a
study beats in it: a study user attribute ``sweep_alive:<session>`` holds
when it last beat and how often it beats. A RUNNING trial whose session has
missed `MISSED_BEATS` beats belongs to the dead: it is failed, and its slot
is free again. The same for every storage (Optuna's own heartbeat is for
``study.optimize`` with RDB storages only). Machines sharing a study need
clocks that agree to well within a beat (NTP does it).
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

ALIVE = "sweep_alive:"  # study user attribute of each session that beats in it
MISSED_BEATS = 3  # beats a session may miss before its running trials are taken for dead


class Heartbeat:
    """Beats for ``session`` in ``study`` every ``every`` seconds, from a daemon thread, until stopped."""

    def __init__(self, study: Any, session: str, every: float) -> None:
        self.study, self.session, self.every = study, session, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sweep-heartbeat-{session}", daemon=True)

    def start(self) -> Heartbeat:
        self.beat()  # at once: a session that has a study open is alive from its first moment
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.every)

    def beat(self) -> None:
        """One beat; a storage that cannot take it (a database gone) is no failure of the trial."""
        with contextlib.suppress(Exception):
            self.study.set_user_attr(ALIVE + self.session, {"at": time.time(), "every": self.every})

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()


def is_dead(study_attrs: dict[str, Any], session: str | None, started: float | None, every: float) -> bool:
    """Whether ``session``, which has a trial running in a study with these user attributes, is dead.

    Dead when its last beat is older than `MISSED_BEATS` of its own beats; a session that never beat (it
    died before its first, or ran before beats existed) by the trial's start against this session's beat.
    """
    now = time.time()
    beat = study_attrs.get(ALIVE + session) if session else None
    last, often = (beat.get("at"), beat.get("every")) if isinstance(beat, dict) else (None, None)
    if isinstance(last, int | float) and isinstance(often, int | float):
        return now - last > MISSED_BEATS * often
    return started is not None and now - started > MISSED_BEATS * every

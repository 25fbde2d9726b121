"""Interrupts on the controller: SIGTERM as Ctrl-C while trials run, and Ctrl-C while the report is written.

A CI runner that cancels a job sends SIGTERM; raised as a `KeyboardInterrupt`,
it ends the session the way Ctrl-C does, so the report of the trials that
finished is still written.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class SigtermAsInterrupt:
    """SIGTERM raises `KeyboardInterrupt` from `start` until `stop` (main thread only)."""

    def __init__(self) -> None:
        self._previous: Any = None

    def start(self) -> None:
        try:
            self._previous = signal.signal(signal.SIGTERM, _interrupt)
        except ValueError:  # not the main thread: leave signals alone
            self._previous = None

    def stop(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class DeferredInterrupts:
    """While a report is written: a first Ctrl-C lets it finish, a second one abandons it.

    Neither raises where it lands (inside an import, say); the writer asks
    `abandon` between files and stops cleanly, leaving the previous report.
    """

    def __init__(self) -> None:
        self.pressed = 0
        self._previous: object = None

    def __enter__(self) -> DeferredInterrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.pressed += 1

    def abandon(self) -> bool:
        """Whether the user pressed Ctrl-C twice: stop writing, publish nothing."""
        return self.pressed >= 2

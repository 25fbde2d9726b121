"""How long the selected trials should take, from the durations earlier runs stored.

A trial that ran before counts with its newest duration; one that did not,
with the mean of its sweep's trials that did; trials of a sweep with no
history at all are left out and said to be. The time on W workers is the
larger of the total over W and the longest trial (a lower bound that greedy
scheduling comes close to). With no history for any selected trial, nothing
is said: a guess from nothing would mislead.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    seconds: float
    trials: int  # counted
    known: int  # of them, with a duration of their own
    unknown: int  # left out: their sweep has no history
    workers: int

    def line(self) -> str:
        """``sweeps: about 2 min 10 s for 160 trials on 2 workers (150 ran before; 8 with no history left out)``."""
        notes = [f"{self.known} ran before"]
        if self.unknown:
            notes.append(f"{self.unknown} with no history left out")
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        trials = f"{self.trials} trial{'s' if self.trials != 1 else ''}"
        return f"sweeps: about {_duration(self.seconds)} for {trials} on {workers} ({'; '.join(notes)})"


def estimate(nodeids: Sequence[str], durations: Mapping[str, float], workers: int) -> Estimate | None:
    """The estimate for ``nodeids`` (trials only) run on ``workers``; None without any history."""
    by_sweep: dict[str, list[float]] = {}
    for nodeid in nodeids:
        if nodeid in durations:
            by_sweep.setdefault(_sweep(nodeid), []).append(durations[nodeid])
    if not by_sweep:
        return None
    means = {sweep: statistics.fmean(values) for sweep, values in by_sweep.items()}
    counted = [durations.get(nodeid, means.get(_sweep(nodeid))) for nodeid in nodeids]
    seconds = [value for value in counted if value is not None]
    workers = max(1, workers)
    return Estimate(
        seconds=max(sum(seconds) / workers, max(seconds)),
        trials=len(seconds),
        known=sum(1 for nodeid in nodeids if nodeid in durations),
        unknown=len(counted) - len(seconds),
        workers=workers,
    )


def _sweep(nodeid: str) -> str:
    return nodeid.partition("[")[0]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"

"""How long the selected trials should take, and the session around them, from what earlier runs stored.

The trials: a trial that ran before counts with its newest duration; one
that did not, with the mean of its sweep's trials that did; trials of a
sweep with no history at all are left out and said to be. The time on W
workers is `trial_time`: the larger of the total over W and the longest
trial (a lower bound that greedy scheduling comes close to). With no
history for any selected trial, nothing is said: a guess from nothing
would mislead.

The session around them (pytest's and the workers' start-up, collection,
the report) is measured, not guessed: each session that ran trials keeps
its wall time and its trials' durations (`SessionTime`), and its overhead
is the wall time less its trials' part. The estimate adds the median
overhead of the last few sessions, so one cold start or one session that
also ran other tests moves it little; without any, the line says the
overhead is left out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RECENT_SESSIONS = 5  # the sessions whose median overhead the estimate adds


def trial_time(seconds: Sequence[float], workers: int) -> float:
    """How long trials taking ``seconds`` run on ``workers``: the total over W, or the longest trial if longer."""
    return _on_workers(sum(seconds), max(seconds, default=0.0), workers)


def _on_workers(total: float, longest: float, workers: int) -> float:
    return max(total / max(1, workers), longest)


@dataclass(frozen=True)
class SessionTime:
    """One finished session's wall time and the trials it ran, as the store keeps it."""

    wall_s: float  # from the session's start (pytest's configure) to after its report
    trials: int  # that ran in it (resumed ones did not)
    workers: int
    trial_s: float  # the sum of those trials' durations
    longest_s: float  # the longest of them
    report: bool  # whether it wrote the report (``--sweep-no-report`` sessions cost less)

    @property
    def overhead(self) -> float:
        """What the session cost beyond its trials: the wall time less their `trial_time`, never below 0."""
        return max(0.0, self.wall_s - _on_workers(self.trial_s, self.longest_s, self.workers))


def session_time(wall_s: float, durations: Sequence[float], workers: int, report: bool) -> SessionTime:
    """The `SessionTime` of a session that took ``wall_s`` and ran trials of ``durations`` on ``workers``."""
    return SessionTime(
        wall_s=max(0.0, wall_s),
        trials=len(durations),
        workers=max(1, workers),
        trial_s=sum(durations),
        longest_s=max(durations, default=0.0),
        report=report,
    )


@dataclass(frozen=True)
class Estimate:
    trial_s: float  # the trials' part
    overhead_s: float | None  # the sessions' median overhead; None: no session measured yet
    sessions: int  # the sessions it is the median of
    trials: int  # counted
    known: int  # of them, with a duration of their own
    unknown: int  # left out: their sweep has no history
    workers: int

    @property
    def seconds(self) -> float:
        """The whole session: the trials' part and the overhead (when known)."""
        return self.trial_s + (self.overhead_s or 0.0)

    def line(self) -> str:
        """``sweeps: about 40 s for 30 trials on 4 workers (trials 4 s, from 30 that ran before;
        session overhead 36 s, the median of the last 5 sessions)``."""
        notes = [f"trials {_duration(self.trial_s)}, from {self.known} that ran before"]
        if self.unknown:
            notes.append(f"{self.unknown} with no history left out")
        notes.append(self._overhead_note())
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        trials = f"{self.trials} trial{'s' if self.trials != 1 else ''}"
        return f"sweeps: about {_duration(self.seconds)} for {trials} on {workers} ({'; '.join(notes)})"

    def _overhead_note(self) -> str:
        if self.overhead_s is None:
            return "session overhead not known yet, left out"
        source = "the last session" if self.sessions == 1 else f"the median of the last {self.sessions} sessions"
        return f"session overhead {_duration(self.overhead_s)}, {source}"


def estimate(
    nodeids: Sequence[str], durations: Mapping[str, float], workers: int, overheads: Sequence[float] = ()
) -> Estimate | None:
    """The estimate for ``nodeids`` run on ``workers``, plus the median of ``overheads`` (recent sessions');
    None without any trial history."""
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
        trial_s=trial_time(seconds, workers),
        overhead_s=statistics.median(overheads) if overheads else None,
        sessions=len(overheads),
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

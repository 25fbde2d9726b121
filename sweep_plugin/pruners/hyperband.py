"""W&B's hyperband stopping rule: the threshold at a band, and why a trial stops there.

W&B (``wandb/sweeps``, ``hyperband_stop_runs``) counts iterations, not steps:
band ``b`` is a run's ``b``-th logged value of the metric (the bands
themselves are the rule's, `sweep_plugin.spec.EarlyTerminate.bands`). At a
band, the threshold is the value ranked ``int(len / eta)`` (from 0, best
first) among the values of every run that reached the band, so about the
best ``1/eta`` of them are at least as good; a run strictly worse than it
stops.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Goal
from ..spec import EarlyTerminate


def hyperband_threshold(values: Sequence[float], eta: float, goal: Goal) -> float:
    """The worst value kept at a band, given the values of all runs that reached it (``values``: not empty).

    Ranked best first, the threshold is the value at index ``int(len / eta)``
    (W&B computes it as ``int((1 / eta) * len)``, and so do we).
    """
    ranked = sorted(values, key=lambda value: -goal.sign * value)
    return ranked[int((1.0 / eta) * len(ranked))]


def is_worse(value: float, threshold: float, goal: Goal) -> bool:
    """Whether ``value`` is strictly worse than ``threshold`` for ``goal``."""
    return goal.better(threshold, value)


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def hyperband_reason(
    rule: EarlyTerminate, goal: Goal, band: int, value: float, best: float, others: Sequence[float]
) -> str:
    """Why a trial should stop at ``band``, or ``""`` to go on.

    ``value`` is the trial's ``band``-th logged value, ``best`` its best so far,
    ``others`` the other trials' ``band``-th values. W&B's rule: the threshold
    is taken over all of them, this trial's own value included.
    """
    values = [*others, value]
    threshold = hyperband_threshold(values, rule.eta, goal)
    judged = value if rule.strict else best
    if not is_worse(judged, threshold, goal):
        return ""
    what = "" if rule.strict else f"its best so far, {best:.4g}, is "
    return (
        f"{what}worse than {threshold:.4g}, hyperband's threshold at band {band} "
        f"(the best 1/{rule.eta:g} of {len(values)} trials' {ordinal(band)} values)"
    )

"""W&B's hyperband stopping rule, as pure functions: the bands and the threshold at a band.

W&B (``wandb/sweeps``, ``hyperband_stop_runs``) counts iterations, not steps:
band ``b`` is a run's ``b``-th logged value of the metric. At a band, the
threshold is the value ranked ``int(len / eta)`` (from 0, best first) among
the values of every run that reached the band, so about the best ``1/eta``
of them are at least as good; a run strictly worse than it stops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_ETA = 3
DEFAULT_MIN_ITER = 3  # ours: W&B requires min_iter, or max_iter with s
MAX_BANDS = 100  # W&B lists this many bands from min_iter


def hyperband_bands(
    eta: float = DEFAULT_ETA, min_iter: int | None = None, max_iter: int | None = None, s: int | None = None
) -> tuple[int, ...]:
    """The iteration counts at which hyperband judges a run, ascending and without repeats.

    With ``max_iter`` and ``s`` (they win over ``min_iter``, as in W&B):
    divide ``max_iter`` by ``eta`` up to ``s`` times, keeping ``int`` of each
    quotient, until one falls below 1 (1000, eta 3, s 2: ``(111, 333)``).
    With ``min_iter``: ``int(min_iter * eta**k)`` for the first
    ``MAX_BANDS`` values of ``k``. The result may be empty (``max_iter``
    below ``eta``); the caller says what to change.
    """
    if eta <= 1:
        raise ValueError(f"eta must be above 1, not {eta!r}")
    bands: list[int] = []
    if max_iter is not None and s is not None:
        band = float(max_iter)
        for _ in range(s):
            band /= eta
            if band < 1:
                break
            bands.append(int(band))
    elif min_iter is not None:
        band = float(min_iter)
        for _ in range(MAX_BANDS):
            if not math.isfinite(band):
                break
            bands.append(int(band))
            band *= eta
    else:
        raise ValueError("give min_iter, or max_iter with s")
    return tuple(sorted(set(bands)))


def rule_bands(rule: Mapping[str, Any]) -> tuple[int, ...]:
    """The bands of a checked ``early_terminate`` hyperband rule."""
    return hyperband_bands(rule["eta"], rule.get("min_iter"), rule.get("max_iter"), rule.get("s"))


def hyperband_threshold(values: Sequence[float], eta: float, goal: str) -> float:
    """The worst value kept at a band, given the values of all runs that reached it (``values``: not empty).

    Ranked best first, the threshold is the value at index ``int(len / eta)``
    (W&B computes it as ``int((1 / eta) * len)``, and so do we).
    """
    ranked = sorted(values, reverse=goal == "maximize")
    return ranked[int((1.0 / eta) * len(ranked))]


def is_worse(value: float, threshold: float, goal: str) -> bool:
    """Whether ``value`` is strictly worse than ``threshold`` for ``goal``."""
    return value > threshold if goal == "minimize" else value < threshold

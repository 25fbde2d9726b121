"""A sweep's ``regression:`` rule and ``resources:``, checked into small values.

How a regression is judged is `sweep_plugin.verdicts.regression`'s
business; how resources become GPUs and workers, the roles'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SweepError
from ..records import GOALS, Goal, Metric

REGRESSION_KEYS = ("metric", "goal", "tolerance", "confidence", "pool")
DEFAULT_CONFIDENCE = 0.99
RESOURCE_KEYS = ("memory_gb", "gpus")


@dataclass(frozen=True)
class Regression:
    """The sweep's ``regression:`` rule: which metric, how much loss is tolerated, how sure to be."""

    metric: Metric
    tolerance: float = 0.0
    confidence: float = DEFAULT_CONFIDENCE
    pool: bool = True  # estimate the noise over all the sweep's configurations


@dataclass(frozen=True)
class Resources:
    """What one trial of a sweep needs: memory in GB and GPUs (0: none asked for)."""

    memory_gb: float = 0.0
    gpus: int = 0


def parse_regression(raw: Any, objectives: tuple[Metric, ...]) -> Regression:
    """``{metric, goal, tolerance, confidence, pool}``; the metric and its goal default to the sweep's."""
    if raw is True or raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise SweepError(f"must be a mapping such as {{metric: val_acc, tolerance: 0.01}}, not {raw!r}")
    unknown = [key for key in raw if key not in REGRESSION_KEYS]
    if unknown:
        raise SweepError(f"unknown key {unknown[0]!r} (regression takes {', '.join(REGRESSION_KEYS)})")
    by_name = {metric.name: metric for metric in objectives}
    name = raw.get("metric", objectives[0].name if objectives else None)
    if not isinstance(name, str):
        raise SweepError("names no metric, and the sweep has no `metric` to default to", key="metric")
    goal = raw.get("goal", by_name[name].goal if name in by_name else None)
    if goal not in GOALS:
        raise SweepError(f"needs `goal: maximize` or `goal: minimize` for {name!r}, not {goal!r}", key="goal")
    tolerance = raw.get("tolerance", 0.0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        raise SweepError(f"must be a number >= 0 (how much worse is still fine), not {tolerance!r}", key="tolerance")
    confidence = raw.get("confidence", DEFAULT_CONFIDENCE)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise SweepError(f"must be a number from 0.5 to below 1, such as 0.99, not {confidence!r}", key="confidence")
    pool = raw.get("pool", True)
    if not isinstance(pool, bool):
        raise SweepError(f"must be true or false, not {pool!r}", key="pool")
    return Regression(Metric(name, Goal(goal)), float(tolerance), float(confidence), pool)


def parse_resources(raw: object, gpus_per_trial: object = None) -> Resources:
    """``resources: {memory_gb: 4, gpus: 1}``; ``gpus_per_trial: 1`` is the same as its ``gpus``."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise SweepError(f"must be a mapping such as {{memory_gb: 4, gpus: 1}}, not {raw!r}")
    unknown = [key for key in raw if key not in RESOURCE_KEYS]
    if unknown:
        raise SweepError(f"unknown key {unknown[0]!r} (resources take {', '.join(RESOURCE_KEYS)})")
    memory = raw.get("memory_gb", 0)
    if isinstance(memory, bool) or not isinstance(memory, int | float) or not 0 <= memory < float("inf"):
        raise SweepError(f"must be a number of GB >= 0, not {memory!r}", key="memory_gb")
    gpus = raw.get("gpus", gpus_per_trial if gpus_per_trial is not None else 0)
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
        raise SweepError(f"must be a whole number of GPUs >= 0, not {gpus!r}", key="gpus")
    return Resources(float(memory), gpus)

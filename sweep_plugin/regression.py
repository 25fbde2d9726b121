"""``regression:``: did a configuration's metric get worse than in the baseline, beyond its noise?

Each side holds one value per repeat, keyed by seed. With the same seeds on
both sides the repeats are paired: a seed's two runs share its data order and
initialisation, so their difference cancels that part of the noise, and a
one-sided t-test on the differences asks whether the mean loss exceeds
``tolerance``. With different seeds, Welch's t-test compares the two means
without assuming equal noise. Both come from scipy; the t distribution
(rather than a bootstrap) because with 5-10 repeats a bootstrap interval is
too narrow and would raise false alarms above ``1 - confidence``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SweepError
from .records import GOALS, Metric

REGRESSION_KEYS = ("metric", "goal", "tolerance", "confidence")
DEFAULT_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Regression:
    """The sweep's ``regression:`` rule: which metric, how much loss is tolerated, how sure to be."""

    metric: Metric
    tolerance: float = 0.0
    confidence: float = DEFAULT_CONFIDENCE


@dataclass(frozen=True)
class Comparison:
    """One configuration against the baseline. ``loss`` is how much worse it got (negative: better)."""

    metric: str
    repeats: int
    baseline_repeats: int
    paired: bool
    mean: float
    baseline_mean: float
    loss: float
    low: float  # ``loss`` is above this with ``confidence``
    high: float  # ... and below this
    p_value: float
    regressed: bool

    def summary(self, rule: Regression) -> str:
        """``val_acc 0.912 vs 0.951 in the baseline: worse by 0.039 (loss 0.021 to 0.057 at 98%, ...)``.

        The interval's level is ``2 * confidence - 1``, so that its lower end is the one-sided bound the
        verdict uses: the loss is above it with ``confidence``.
        """
        pairing = "paired by seed" if self.paired else f"against {self.baseline_repeats} (Welch)"
        verdict = "worse" if self.loss > 0 else "better"
        return (
            f"{self.metric} {_show(self.mean)} vs {_show(self.baseline_mean)} in the baseline:"
            f" {verdict} by {_show(abs(self.loss))} (loss {_show(self.low)} to {_show(self.high)} at"
            f" {2 * rule.confidence - 1:.0%}, tolerance {_show(rule.tolerance)}, p = {self.p_value:.3g}),"
            f" {self.repeats} repeats {pairing}"
        )


def parse_regression(raw: Any, objectives: tuple[Metric, ...]) -> Regression:
    """``{metric, goal, tolerance, confidence}``; the metric and its goal default to the sweep's."""
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
    return Regression(Metric(name, goal), float(tolerance), float(confidence))


def compare(current: Mapping[Any, float], baseline: Mapping[Any, float], rule: Regression) -> Comparison:
    """Judge ``current`` against ``baseline`` (each: seed -> value). Needs two values a side."""
    from scipy import stats

    if len(current) < 2 or len(baseline) < 2:
        raise ValueError(f"needs at least two repeats a side, has {len(current)} here and {len(baseline)} there")
    sign = 1.0 if rule.metric.goal == "maximize" else -1.0  # loss = sign * (baseline - current)
    paired = set(current) == set(baseline)
    seeds = sorted(current, key=str)
    now = [float(current[seed]) for seed in seeds]
    then = [float(baseline[seed]) for seed in (seeds if paired else sorted(baseline, key=str))]
    losses = [sign * (b - c) for b, c in zip(then, now, strict=True)] if paired else []
    loss = statistics.fmean(losses) if paired else sign * (statistics.fmean(then) - statistics.fmean(now))
    level = 2 * rule.confidence - 1  # a two-sided interval whose lower end is the one-sided bound
    noiseless = statistics.pstdev(losses) == 0 if paired else statistics.pstdev(now) == statistics.pstdev(then) == 0
    if noiseless:
        low = high = loss  # no noise at all: the difference is exact
        p_value = 0.0 if loss > rule.tolerance else 1.0
    elif paired:
        test = stats.ttest_1samp(losses, rule.tolerance, alternative="greater")
        low, high = (float(x) for x in stats.ttest_1samp(losses, 0.0).confidence_interval(level))
        p_value = float(test.pvalue)
    else:
        worse, better = ([b * sign for b in then], [c * sign for c in now])
        test = stats.ttest_ind(worse, [c + rule.tolerance for c in better], equal_var=False, alternative="greater")
        low, high = (float(x) for x in stats.ttest_ind(worse, better, equal_var=False).confidence_interval(level))
        p_value = float(test.pvalue)
    return Comparison(
        metric=rule.metric.name,
        repeats=len(now),
        baseline_repeats=len(then),
        paired=paired,
        mean=statistics.fmean(now),
        baseline_mean=statistics.fmean(then),
        loss=loss,
        low=low,
        high=high,
        p_value=p_value,
        regressed=p_value < 1 - rule.confidence and not math.isnan(p_value),
    )


def _show(value: float) -> str:
    return f"{value:.4g}"

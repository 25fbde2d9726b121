"""``regression:``: did a configuration's metric get worse than in the baseline, beyond its noise?

Each side holds one value per repeat, keyed by seed. With the same seeds on
both sides the repeats are paired: a seed's two runs share its data order
and initialisation, so their difference cancels that part of the noise. The
test is a one-sided t-test of "the mean loss exceeds ``tolerance``" at level
``1 - confidence``: on the seed-matched differences when paired, on the two
means otherwise.

The noise is estimated once per sweep, pooled over all its configurations
(the within-configuration variance of a designed experiment): a sweep's
configurations share their training code and seeds, and 8 repeats alone
leave a t-test with 7 degrees of freedom and little power. ``pool: false``
judges each configuration by its own repeats only, for sweeps whose
configurations differ widely in noise.

The t distribution, not a bootstrap: with 5-10 repeats a bootstrap interval
is too narrow and would raise false alarms above ``1 - confidence``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..spec import Regression


@dataclass(frozen=True)
class Sides:
    """One configuration's values of the metric, this run's and the baseline's, oriented so that more is worse."""

    now: tuple[float, ...]
    before: tuple[float, ...]
    paired: bool  # the same seeds, in the same order

    @classmethod
    def of(cls, current: Mapping[Any, float], baseline: Mapping[Any, float], rule: Regression) -> Sides:
        if len(current) < 2 or len(baseline) < 2:
            raise ValueError(f"needs two repeats a side or more, has {len(current)} here and {len(baseline)} there")
        sign = _worse(rule)
        seeds = sorted(current, key=str)
        paired = set(current) == set(baseline)
        before = seeds if paired else sorted(baseline, key=str)
        return cls(
            tuple(sign * float(current[s]) for s in seeds), tuple(sign * float(baseline[s]) for s in before), paired
        )

    @property
    def loss(self) -> float:
        return statistics.fmean(self.now) - statistics.fmean(self.before)

    def groups(self) -> list[tuple[float, ...]]:
        """The samples whose spread is the noise: the differences when paired, else each side."""
        if self.paired:
            return [tuple(n - b for n, b in zip(self.now, self.before, strict=True))]
        return [self.now, self.before]

    def standard_error(self, variance: float) -> float:
        """Of ``loss``, for a noise ``variance`` (of one difference when paired, of one value otherwise)."""
        if self.paired:
            return math.sqrt(variance / len(self.now))
        return math.sqrt(variance * (1 / len(self.now) + 1 / len(self.before)))


@dataclass(frozen=True)
class Noise:
    """A pooled variance and its degrees of freedom."""

    variance: float
    df: int

    @classmethod
    def of(cls, sides: Sequence[Sides]) -> Noise:
        """The within-group variance of all ``sides`` together (each group around its own mean)."""
        groups = [group for side in sides for group in side.groups()]
        df = sum(len(group) - 1 for group in groups)
        squares = sum(sum((x - statistics.fmean(group)) ** 2 for x in group) for group in groups)
        return cls(squares / df, df)


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
    low: float  # the loss is above this with ``confidence``
    high: float  # ... and below this
    p_value: float
    df: int
    regressed: bool

    def summary(self, rule: Regression) -> str:
        """``val_acc worse by 0.039 (0.021 to 0.057 at 98%) ...``: the verdict's figures, the loss first."""
        verdict = "worse" if self.loss > 0 else "better"
        pairing = "paired by seed" if self.paired else f"against {self.baseline_repeats}"
        return (
            f"{self.metric} {verdict} by {_show(abs(self.loss))} than the baseline"
            f" (loss {_show(self.low)} to {_show(self.high)} at {(2 * rule.confidence - 1) * 100:.3g}%,"
            f" tolerance {_show(rule.tolerance)}, p = {self.p_value:.2g}): {_show(self.mean)} vs"
            f" {_show(self.baseline_mean)}, {self.repeats} repeats {pairing}"
        )


def compare(sides: Sides, rule: Regression, noise: Noise | None = None) -> Comparison:
    """Judge one configuration; ``noise`` pooled over the sweep, else from its own repeats."""
    from scipy import stats

    noise = noise or Noise.of([sides])
    loss = sides.loss
    se = sides.standard_error(noise.variance)
    if se == 0:  # no noise at all: the difference is exact
        low = high = loss
        p_value = 0.0 if loss > rule.tolerance else 1.0
    else:
        half = float(stats.t.ppf(rule.confidence, noise.df)) * se
        low, high = loss - half, loss + half
        p_value = float(stats.t.sf((loss - rule.tolerance) / se, noise.df))
    sign = _worse(rule)  # (undone for the means, shown as the metric reads)
    return Comparison(
        metric=rule.metric.name,
        repeats=len(sides.now),
        baseline_repeats=len(sides.before),
        paired=sides.paired,
        mean=sign * statistics.fmean(sides.now),
        baseline_mean=sign * statistics.fmean(sides.before),
        loss=loss,
        low=low,
        high=high,
        p_value=p_value,
        df=noise.df,
        regressed=p_value < 1 - rule.confidence,
    )


def compare_all(sides: Mapping[str, Sides], rule: Regression) -> dict[str, Comparison]:
    """Every configuration of a sweep, with the noise pooled over those of the same pairing (if ``rule.pool``)."""
    pooled: dict[bool, Noise] = {}
    if rule.pool:
        for paired in (True, False):
            alike = [side for side in sides.values() if side.paired is paired]
            if alike:
                pooled[paired] = Noise.of(alike)
    return {name: compare(side, rule, pooled.get(side.paired)) for name, side in sides.items()}


def _worse(rule: Regression) -> float:
    """The sign that makes more worse: -1 for a maximized metric."""
    return -rule.metric.goal.sign


def _show(value: float) -> str:
    return f"{value:.4g}"

"""Early termination (``early_terminate``): stop trials whose learning curve lags.

Each ``trial.log`` of the sweep's metric is a pruning point. The values of
the other trials come from the result store, so the rule sees every xdist
worker's trials, not only this process's.

- ``median``: from step ``min_iter`` on, stop a trial whose value is worse
  than the median of the other trials' values at that step (once at least
  ``MIN_OTHERS`` of them got there), as Optuna's MedianPruner does.
- ``hyperband``: W&B's hyperband stopping (`hyperband`). When a trial logs
  its ``b``-th value of the metric and ``b`` is a band, stop it if that
  value (with ``strict: false``, its best so far) is strictly worse than the
  threshold of all trials' ``b``-th values, itself included. Values are
  stored under their iteration count ``b``, not their step.

A ``method: bayes`` sweep prunes with Optuna's own pruners instead
(`search.bayes`): its hyperband is Optuna's, on steps, from W&B's first band.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .context import warn_about
from .hyperband import hyperband_threshold, is_worse, rule_bands
from .outcomes import Pruned
from .records import Metric
from .store import ResultStore, StoreError

MIN_OTHERS = 4


def median_reason(rule: Mapping[str, Any], goal: str, step: int, value: float, others: Sequence[float]) -> str:
    """Why a trial at ``value`` should stop at ``step`` given ``others`` there, or ``""``."""
    if step < int(rule.get("min_iter", 3)) or len(others) < MIN_OTHERS:
        return ""
    median = statistics.median(others)
    sign = 1.0 if goal == "maximize" else -1.0
    return f"worse than the median {median:.4g} of {len(others)} other trials" if sign * (value - median) < 0 else ""


def hyperband_reason(
    rule: Mapping[str, Any], goal: str, band: int, value: float, best: float, others: Sequence[float]
) -> str:
    """Why a trial should stop at ``band``, or ``""`` to go on.

    ``value`` is the trial's ``band``-th logged value, ``best`` its best so far,
    ``others`` the other trials' ``band``-th values. W&B's rule: the threshold
    is taken over all of them, this trial's own value included.
    """
    eta = float(rule["eta"])
    values = [*others, value]
    threshold = hyperband_threshold(values, eta, goal)
    strict = rule.get("strict", True)
    judged = value if strict else best
    if not is_worse(judged, threshold, goal):
        return ""
    what = "" if strict else f"its best so far, {best:.4g}, is "
    return (
        f"{what}worse than {threshold:.4g}, hyperband's threshold at band {band} "
        f"(the best 1/{eta:g} of {len(values)} trials' {ordinal(band)} values)"
    )


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass
class Pruner:
    """The pruning point of one trial: called by ``trial.log`` with what was logged."""

    rule: Mapping[str, Any]
    metric: Metric
    store: ResultStore
    session: str
    sweep: str
    trial_id: str
    logged: int = 0  # how many values of the metric this trial logged: hyperband's iteration count
    best: float = math.nan
    bands: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        rule = self.rule
        if rule["type"] == "hyperband":
            self.bands = frozenset(rule_bands(rule))
        else:
            self.bands = frozenset()

    def __call__(self, step: int, metrics: Mapping[str, float]) -> None:
        if self.metric.name not in metrics:
            return
        value = metrics[self.metric.name]
        if math.isnan(value):  # judged at once, and kept out of the store: it would spoil every comparison
            reason = "the metric is NaN"
        elif self.rule["type"] == "hyperband":
            self.logged += 1
            if math.isnan(self.best) or is_worse(self.best, value, self.metric.goal):
                self.best = value
            if self.logged not in self.bands:
                return
            reason = self._judge(self.logged, value, hyperband=True)
        else:
            reason = self._judge(step, value, hyperband=False)
        if reason:
            raise Pruned(f"pruned at step {step}: {self.metric.name} = {value:.4g}, {reason}", _use_item_location=True)

    def _judge(self, key: int, value: float, *, hyperband: bool) -> str:
        """Store ``value`` under ``key`` (the step, or hyperband's count) and judge it against the others there."""
        try:
            others = self.store.values_at(self.session, self.sweep, key, exclude=self.trial_id)
            self.store.put_step(self.session, self.sweep, self.trial_id, key, value)
        except StoreError as exc:  # the trial goes on, unpruned
            warn_about(self.store.path, f"{self.sweep}[{self.trial_id}]: early_terminate off: {exc.__cause__ or exc}")
            return ""
        if hyperband:
            return hyperband_reason(self.rule, self.metric.goal, key, value, self.best, others)
        return median_reason(self.rule, self.metric.goal, key, value, others)

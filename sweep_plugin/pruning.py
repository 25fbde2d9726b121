"""Early termination (``early_terminate``): stop trials whose learning curve lags.

Each ``trial.log`` of the sweep's metric is a pruning point. The values of
the other trials at the same step come from the result store, so the rule
sees every xdist worker's trials, not only this process's.

- ``median``: from step ``min_iter`` on, stop a trial whose value is worse
  than the median of the other trials' values at that step (once at least
  ``MIN_OTHERS`` of them got there), as Optuna's MedianPruner does.
- ``hyperband``: at the bracket steps ``min_iter * eta**k``, stop a trial
  that is not in the best ``1/eta`` of the trials that reached that step,
  as W&B's hyperband stopping does.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .context import warn_about
from .outcomes import Pruned
from .records import Metric
from .store import ResultStore, StoreError

MIN_OTHERS = 4


def is_bracket(step: int, min_iter: int, eta: float) -> bool:
    """Whether ``step`` is one of hyperband's rungs ``min_iter * eta**k``."""
    if step < min_iter:
        return False
    k = round(math.log(step / min_iter, eta))
    return math.isclose(min_iter * eta**k, step)


def prune_reason(rule: Mapping[str, Any], goal: str, step: int, value: float, others: Sequence[float]) -> str:
    """Why a trial at ``value`` should stop at ``step`` given ``others`` there, or ``""``."""
    min_iter, eta = int(rule.get("min_iter", 3)), float(rule.get("eta", 3))
    sign = 1.0 if goal == "maximize" else -1.0
    if math.isnan(value):
        return "the metric is NaN"
    if rule["type"] == "median":
        if step < min_iter or len(others) < MIN_OTHERS:
            return ""
        median = statistics.median(others)
        return (
            f"worse than the median {median:.4g} of {len(others)} other trials" if sign * (value - median) < 0 else ""
        )
    if not is_bracket(step, min_iter, eta) or len(others) + 1 < eta:
        return ""
    ranked = sorted([*others, value], key=lambda v: -sign * v)
    keep = max(1, math.floor(len(ranked) / eta))
    cutoff = ranked[keep - 1]
    return f"not in the best {keep} of {len(ranked)} trials at this rung" if sign * (value - cutoff) < 0 else ""


@dataclass
class Pruner:
    """The pruning point of one trial: called by ``trial.log`` with what was logged."""

    rule: Mapping[str, Any]
    metric: Metric
    store: ResultStore
    session: str
    sweep: str
    trial_id: str

    def __call__(self, step: int, metrics: Mapping[str, float]) -> None:
        if self.metric.name not in metrics:
            return
        value = metrics[self.metric.name]
        try:
            others = self.store.values_at(self.session, self.sweep, step, exclude=self.trial_id)
            self.store.put_step(self.session, self.sweep, self.trial_id, step, value)
        except StoreError as exc:  # the trial goes on, unpruned
            warn_about(self.store.path, f"{self.sweep}[{self.trial_id}]: early_terminate off: {exc.__cause__ or exc}")
            return
        reason = prune_reason(self.rule, self.metric.goal, step, value, others)
        if reason:
            raise Pruned(f"pruned at step {step}: {self.metric.name} = {value:.4g}, {reason}", _use_item_location=True)

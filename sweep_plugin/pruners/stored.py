"""The pruning point of a grid, random or Latin-hypercube trial: its logged values against the store's.

Each ``trial.log`` of the sweep's metric is a pruning point. The values of
the other trials come from the result store, so the rule sees every xdist
worker's trials, not only this process's.

- ``median``: from step ``min_iter`` on, stop a trial whose value is worse
  than the median of the other trials' values at that step (once at least
  ``MIN_OTHERS`` of them got there), as Optuna's MedianPruner does.
- ``hyperband``: W&B's hyperband stopping. When a trial logs its ``b``-th
  value of the metric and ``b`` is a band, stop it if that value (with
  ``strict: false``, its best so far) is strictly worse than the threshold
  of all trials' ``b``-th values, itself included. Values are stored under
  their iteration count ``b``, not their step.

A ``method: bayes`` sweep prunes with Optuna's own pruners instead
(`sweep_plugin.search.bayes`): its hyperband is Optuna's, on steps, from
W&B's first band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import warn_about
from ..records import Metric, Pruned, ResultStore, StoreError
from ..spec import EarlyTerminate
from .hyperband import hyperband_reason, is_worse
from .median import median_reason


@dataclass
class StoredStepsPruner:
    """The pruning point of one trial: called by ``trial.log`` with what was logged."""

    rule: EarlyTerminate
    metric: Metric
    store: ResultStore
    session: str
    sweep: str
    trial_id: str
    logged: int = 0  # how many values of the metric this trial logged: hyperband's iteration count
    best: float = math.nan
    bands: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        self.bands = frozenset(self.rule.bands)

    def __call__(self, step: int, metrics: Mapping[str, float]) -> None:
        """Raise `Pruned` if the trial lags at this step; store its value for the trials that follow."""
        if self.metric.name not in metrics:
            return
        value = metrics[self.metric.name]
        if math.isnan(value):  # judged at once, and kept out of the store: it would spoil every comparison
            reason = "the metric is NaN"
        elif self.rule.type == "hyperband":
            self.logged += 1
            if math.isnan(self.best) or is_worse(self.best, value, self.metric.goal):
                self.best = value
            if self.logged not in self.bands:
                return
            reason = self._judge(self.logged, value, hyperband=True)
        else:
            reason = self._judge(step, value, hyperband=False)
        if reason:
            raise Pruned(f"pruned at step {step}: {self.metric.name} = {value:.4g}, {reason}")

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

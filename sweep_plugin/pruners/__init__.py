"""Early termination: the rules that stop a lagging trial at a pruning point (``trial.log``).

`median` and `hyperband` are the rules, as pure functions of the values at
a step; `StoredStepsPruner` applies them to a grid, random or Latin-hypercube
trial with the other trials' values from the result store. Adaptive sweeps
prune with Optuna's own pruners (`sweep_plugin.search.bayes`).
"""

from .hyperband import hyperband_reason, hyperband_threshold, is_worse, ordinal
from .median import MIN_OTHERS, median_reason
from .stored import StoredStepsPruner

__all__ = [
    "MIN_OTHERS",
    "StoredStepsPruner",
    "hyperband_reason",
    "hyperband_threshold",
    "is_worse",
    "median_reason",
    "ordinal",
]

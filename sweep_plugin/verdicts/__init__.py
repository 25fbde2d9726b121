"""Verdicts: a trial judged by ``expect``, a configuration by its ``gate:`` and ``regression:`` over its repeats.

Pure Python: the roles turn a verdict into pytest's outcome. `expect` judges
one trial's metrics; `gates` judges each configuration once its repeats ran,
with `regression`'s statistics against the `baseline` run.
"""

from .baseline import Baseline, BaselineError, load_baseline
from .expect import Unreported, check_expectations, expectation_scopes, hidden_names, missed_expectations, unreported
from .gates import CheckResult, GateResult, judge_gates, judge_merged, judge_sweeps, load_specs
from .regression import Comparison, Noise, Sides, compare, compare_all

__all__ = [
    "Baseline",
    "BaselineError",
    "CheckResult",
    "Comparison",
    "GateResult",
    "Noise",
    "Sides",
    "Unreported",
    "check_expectations",
    "compare",
    "compare_all",
    "expectation_scopes",
    "hidden_names",
    "judge_gates",
    "judge_merged",
    "judge_sweeps",
    "load_baseline",
    "load_specs",
    "missed_expectations",
    "unreported",
]

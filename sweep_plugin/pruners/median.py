"""The median stopping rule, as Optuna's MedianPruner has it: worse than the others' median at a step."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ..records import Goal
from ..spec import EarlyTerminate

MIN_OTHERS = 4  # other trials' values at a step before the median judges anyone


def median_reason(rule: EarlyTerminate, goal: Goal, step: int, value: float, others: Sequence[float]) -> str:
    """Why a trial at ``value`` should stop at ``step`` given ``others`` there, or ``""``."""
    if step < (rule.min_iter or 0) or len(others) < MIN_OTHERS:
        return ""
    median = statistics.median(others)
    return f"worse than the median {median:.4g} of {len(others)} other trials" if goal.better(median, value) else ""

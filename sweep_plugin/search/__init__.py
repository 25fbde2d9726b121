"""Search methods: how a sweep's trials get their parameters.

One small interface (`SearchMethod`, as Optuna's samplers have one) and the
built-in methods. A plugin or conftest adds its own by implementing the
``pytest_sweep_search_method`` hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SweepError, did_you_mean
from ..spec import METHODS
from .base import PlannedSearch, SearchMethod, Slot, TrialPlan
from .grid import GridSearch
from .sampled import SampledSearch

if TYPE_CHECKING:
    from ..spec import SweepSpec

__all__ = [
    "BUILTIN",
    "GridSearch",
    "PlannedSearch",
    "SampledSearch",
    "SearchMethod",
    "Slot",
    "TrialPlan",
    "builtin_method",
    "no_such_method",
    "plan_trials",
]

BUILTIN: dict[str, type[SearchMethod]] = {"grid": GridSearch, "random": SampledSearch, "lhs": SampledSearch}


def builtin_method(spec: SweepSpec) -> SearchMethod | None:
    """The built-in method ``spec`` names, or None."""
    method = BUILTIN.get(spec.method)
    return method(spec) if method is not None else None


def no_such_method(name: str) -> SweepError:
    """The error for a method that neither this package nor a plugin provides."""
    if name == "bayes":
        return SweepError("bayes is not available yet; use random or lhs", key="method")
    return SweepError(
        f"unknown search method {name!r}{did_you_mean(name, METHODS)}: built in are {', '.join(METHODS)};"
        " a plugin may add one through pytest_sweep_search_method",
        key="method",
    )


def plan_trials(spec: SweepSpec) -> TrialPlan:
    """The plan of a sweep with a built-in method (for tools and tests without pytest)."""
    method = builtin_method(spec)
    if method is None:
        raise no_such_method(spec.method)
    return method.plan()

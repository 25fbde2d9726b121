"""Search methods: how a sweep's trials get their parameters.

One small interface (`SearchMethod`, as Optuna's samplers have one) and the
built-in methods. A plugin or conftest adds its own by implementing the
``pytest_sweep_search_method`` hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import SweepError, did_you_mean
from ..spec import METHODS
from .base import PlannedSearch, SearchMethod, SearchSettings, Slot, TrialPlan
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
    "SearchSettings",
    "Slot",
    "TrialPlan",
    "builtin_method",
    "no_such_method",
    "plan_trials",
]

BUILTIN = METHODS  # the methods this package provides; a plugin may add more


def builtin_method(spec: SweepSpec, settings: SearchSettings | None = None) -> SearchMethod | None:
    """The built-in method ``spec`` names, or None; `SweepError` if it cannot serve the sweep."""
    settings = settings or SearchSettings()
    if spec.method == "grid":
        return GridSearch(spec, settings)
    if spec.method in ("random", "lhs"):
        return SampledSearch(spec, settings)
    if spec.method == "bayes":
        from .bayes import BayesSearch  # Optuna is imported only for adaptive sweeps

        return BayesSearch(spec, settings)
    return None


def no_such_method(name: str) -> SweepError:
    """The error for a method that neither this package nor a plugin provides."""
    return SweepError(
        f"unknown search method {name!r}{did_you_mean(name, METHODS)}: built in are {', '.join(METHODS)};"
        " a plugin may add one through pytest_sweep_search_method",
        key="method",
    )


def plan_trials(spec: SweepSpec, settings: SearchSettings | None = None) -> TrialPlan:
    """The plan of a sweep with a built-in method (for tools and tests without pytest)."""
    method = builtin_method(spec, settings)
    if method is None:
        raise no_such_method(spec.method)
    return method.plan()

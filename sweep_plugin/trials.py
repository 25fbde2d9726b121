"""The trial plan of a sweep: points of its space, constrained, repeated and named."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SweepError
from .expressions import EvaluationError
from .ids import short_names, trial_ids
from .space import Point, Values, did_you_mean, grid_points, sampled_points
from .spec import SweepSpec

MAX_DRAWS_PER_TRIAL = 100


@dataclass(frozen=True)
class TrialSpec:
    """One trial: its id, its flat dotted parameters, and whether it is in ``quick``."""

    id: str
    params: dict[str, Any]
    quick: bool = False


@dataclass(frozen=True)
class TrialPlan:
    """The trials of a sweep, and how many grid points the constraints removed."""

    trials: list[TrialSpec]
    removed: int = 0


def namespace(params: Mapping[str, Any], short: Mapping[str, str]) -> dict[str, Any]:
    """Names an expression may use for ``params``: full dotted paths and unique last parts."""
    names = dict(params)
    for path, name in short.items():
        if path in params:
            names.setdefault(name, params[path])
    return names


def plan_trials(sweep: SweepSpec) -> TrialPlan:
    """Expand ``sweep`` into its trials, deterministically (every xdist worker agrees)."""
    short = short_names([*sweep.spaces, "seed"])
    _check_constraint_names(sweep, short)
    accept = _acceptor(sweep, short)
    removed = 0
    if sweep.method == "grid":
        points = []
        for point in grid_points(sweep.spaces):
            if accept(point):
                points.append(point)
            else:
                removed += 1
        if not points:
            raise SweepError(f"constraints removed all {removed} grid points", key="constraints")
    else:
        count = sweep.trials or 1
        points = sampled_points(
            sweep.spaces, sweep.method, count, sweep.seed, accept, count * MAX_DRAWS_PER_TRIAL
        )
    if sweep.repeat > 1:
        points = [{**point, "seed": seed} for point in points for seed in range(sweep.repeat)]
    ids = trial_ids(points, _varying(sweep))
    trials = [TrialSpec(trial_id, point, _in_quick(sweep, point)) for trial_id, point in zip(ids, points, strict=True)]
    return TrialPlan(trials, removed)


def _varying(sweep: SweepSpec) -> list[str]:
    """The parameters an id names: those that can take more than one value."""
    paths = [p for p, s in sweep.spaces.items() if not (isinstance(s, Values) and len(s.values) == 1)]
    return [*paths, "seed"] if sweep.repeat > 1 else paths


def _check_constraint_names(sweep: SweepSpec, short: Mapping[str, str]) -> None:
    known = set(sweep.spaces) | {short[path] for path in sweep.spaces}
    for index, check in enumerate(sweep.constraints):
        for name in check.expression.names:
            if name not in known:
                hint = did_you_mean(name, sorted(known))
                raise SweepError(f"{name!r} is not a parameter{hint}", key=f"constraints.{index}")


def _acceptor(sweep: SweepSpec, short: Mapping[str, str]) -> Callable[[Point], bool]:
    if not sweep.constraints:
        return lambda point: True

    def accept(point: Point) -> bool:
        names = namespace(point, short)
        for index, check in enumerate(sweep.constraints):
            try:
                if not check.expression.evaluate(names):
                    return False
            except EvaluationError as exc:
                raise SweepError(f"{check.expression.text!r}: {exc}", key=f"constraints.{index}") from None
        return True

    return accept


def _in_quick(sweep: SweepSpec, point: Point) -> bool:
    if isinstance(sweep.quick, bool) or sweep.quick is None:
        return bool(sweep.quick)
    return all(point.get(path) in values for path, values in sweep.quick.items())


def removed_message(sweep: SweepSpec, plan: TrialPlan) -> str:
    """The collection-time note for grid points the constraints removed."""
    total = len(plan.trials) // max(sweep.repeat, 1) + plan.removed
    return f"{sweep.display}::{sweep.name}: constraints removed {plan.removed} of {total} grid points"


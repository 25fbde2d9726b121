"""Judging a trial: its metrics against the sweep's ``expect`` expressions.

The process that ran a trial judges it when it ends, and ``--sweep-resume``
judges a stored result by today's ``expect``; both call `missed_expectations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..expressions import EvaluationError, Scopes, flat_names, param_names
from ..records.outcomes import ExpectationFailed

if TYPE_CHECKING:
    from ..spec import SweepSpec


def expectation_scopes(
    spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float], baseline: Mapping[str, float]
) -> Scopes:
    """What each quoted reader reads: ``param("batch-size")``, ``metric("val/f1")``, ``baseline("val/f1")``."""
    return {"param": param_names(params, spec.short), "metric": metrics, "baseline": baseline}


def missed_expectations(
    spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float], baseline: Mapping[str, float]
) -> list[str]:
    """One line per missed ``expect``: ``file:line: acc >= 0.75: acc = 0.5057``."""
    scopes = expectation_scopes(spec, params, metrics, baseline)
    names = flat_names(scopes)
    missed = []
    for check in spec.expect:
        where = f"{spec.display}:{check.line}" if check.line else spec.display
        try:
            ok = check.expression.evaluate(names, scopes)
        except EvaluationError as exc:
            missed.append(f"{where}: {check.expression.text}: {exc}")
            continue
        if not ok:
            missed.append(f"{where}: {check.expression.describe(names, scopes)}")
    return missed


def hidden_names(spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float]) -> list[str]:
    """Bare names ``expect`` reads that a metric of the same name hides: a parameter's, or a ``baseline.`` one.

    A quoted name (``param("lr")``, ``baseline("acc")``) reads its own scope, so nothing hides it.
    """
    read = {name.key for check in spec.expect for name in check.expression.reads if name.kind is None}
    other = param_names(params, spec.short)
    return sorted(name for name in metrics if name in read and (name in other or name.startswith("baseline.")))


def check_expectations(
    spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float], baseline: Mapping[str, float]
) -> None:
    """Raise `ExpectationFailed` listing every ``expect`` the trial missed."""
    missed = missed_expectations(spec, params, metrics, baseline)
    if missed:
        raise ExpectationFailed(missed, params)

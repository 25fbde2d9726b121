"""Value lists and distributions, named as in W&B sweeps, and what each draws from a unit number.

A string in Hydra's sweeper grammar (``interval(0.0001, 0.1)``) is read into
this vocabulary first (`sweep_plugin.space.hydra`).

Every space maps a number in [0, 1) to a value (its inverse CDF), so the
sampling search methods (`sweep_plugin.search`) share one code path: they
differ only in how the unit points are drawn.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from ..errors import SweepError, did_you_mean
from .hydra import hydra_space

Point = dict[str, Any]

DISTRIBUTIONS = (
    "constant",
    "categorical",
    "uniform",
    "int_uniform",
    "q_uniform",
    "log_uniform",
    "log_uniform_values",
    "q_log_uniform",
    "q_log_uniform_values",
    "inv_log_uniform",
    "inv_log_uniform_values",
    "normal",
    "q_normal",
    "log_normal",
    "q_log_normal",
)
SPACE_KEYS = ("values", "value", "distribution", "min", "max", "mu", "sigma", "q", "probabilities")
_EPSILON = 1e-12
MAX_EXPONENT = 700  # exp(709) is the largest float


@dataclass(frozen=True)
class Values:
    """A finite set of values: a grid axis, or a categorical for sampling."""

    values: tuple[Any, ...]
    probabilities: tuple[float, ...] | None = None

    @property
    def scale(self) -> str:
        """``log`` for positive numbers spanning two decades or more (0.001, 0.01, 0.1)."""
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values):
            return "categorical"
        low, high = min(self.values), max(self.values)
        return "log" if low > 0 and high / low >= 100 else "linear"

    def grid_values(self) -> list[Any]:
        return list(self.values)

    def from_unit(self, u: float) -> Any:
        if self.probabilities is None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        cumulative = list(itertools.accumulate(self.probabilities))
        index = bisect.bisect_right(cumulative, u * cumulative[-1])
        return self.values[min(index, len(self.values) - 1)]


@dataclass(frozen=True)
class Distribution:
    """A continuous or integer distribution, named as in W&B sweeps."""

    kind: str
    low: float = 0.0
    high: float = 1.0
    mu: float = 0.0
    sigma: float = 1.0
    q: float | None = None

    @property
    def scale(self) -> str:
        return "log" if "log" in self.kind else "linear"

    def grid_values(self) -> list[Any]:
        raise SweepError(
            f"distribution {self.kind!r} has no finite values for a grid;"
            " use method: random or method: lhs, or give a values list"
        )

    def from_unit(self, u: float) -> Any:
        u = min(max(u, _EPSILON), 1 - _EPSILON)
        kind = self.kind.removeprefix("q_")
        if kind == "int_uniform":
            return int(min(self.low + math.floor(u * (self.high - self.low + 1)), self.high))
        if kind in ("normal", "log_normal"):
            x = NormalDist(self.mu, self.sigma).inv_cdf(u)
            x = math.exp(x) if kind == "log_normal" else x
        elif kind == "uniform":
            x = _between(self.low, self.high, u)
        elif kind == "log_uniform":
            x = math.exp(_between(self.low, self.high, u))
        elif kind == "log_uniform_values":
            x = math.exp(_between(math.log(self.low), math.log(self.high), u))
        elif kind == "inv_log_uniform":  # log(1/x) uniform in [min, max]
            x = math.exp(-_between(self.low, self.high, u))
        else:  # inv_log_uniform_values: 1/x log-uniform, x stays in [min, max]
            x = math.exp(-_between(-math.log(self.high), -math.log(self.low), u))
        if self.q is not None:
            x = round(x / self.q) * self.q
            return int(x) if float(self.q).is_integer() else float(f"{x:.12g}")
        return float(x)


Space = Values | Distribution


def _between(low: float, high: float, u: float) -> float:
    """The point at ``u`` from ``low`` to ``high``, without overflowing ``high - low``."""
    return (1 - u) * low + u * high


def parse_space(raw: Any) -> Space:
    """Turn the YAML of one parameter into a space; `SweepError` says what is wrong."""
    if isinstance(raw, list):
        if not raw:
            raise SweepError("an empty list of values")
        return Values(tuple(raw))
    if isinstance(raw, str):
        hydra = hydra_space(raw)  # Hydra's sweeper grammar: interval(0.0001, 0.1), a,b,c
        return Values((raw,)) if hydra is None else parse_space(hydra)
    if not isinstance(raw, Mapping):
        return Values((raw,))
    unknown = [key for key in raw if key not in SPACE_KEYS]
    if unknown:
        key = str(unknown[0])
        raise SweepError(f"unknown key {key!r}{did_you_mean(key, SPACE_KEYS)}")
    if "value" in raw:
        return Values((raw["value"],))
    kind = raw.get("distribution") or _infer_distribution(raw)
    if kind not in DISTRIBUTIONS:
        raise SweepError(f"unknown distribution {kind!r}{did_you_mean(str(kind), DISTRIBUTIONS)}")
    _refuse_contradictions(raw, kind)
    if kind in ("categorical", "constant") or "values" in raw:
        return _parse_values(raw)
    return _parse_distribution(kind, raw)


def _refuse_contradictions(raw: Mapping[str, Any], kind: str) -> None:
    """A space that says two things (a range with a list, a list with bounds) is an error, never one of them."""
    bounds = [key for key in ("min", "max", "mu", "sigma", "q") if key in raw]
    if "values" in raw and kind not in ("categorical", "constant"):
        raise SweepError(
            f"distribution: {kind} with values: contradict each other: drop values: to draw from the range,"
            " or the distribution to pick from the list"
        )
    if "values" in raw and bounds:
        raise SweepError(
            f"values: with {', '.join(bounds)}: contradict each other: a list of values has no bounds; drop one of them"
        )


def _infer_distribution(raw: Mapping[str, Any]) -> str:
    if "values" in raw:
        return "categorical"
    if "min" in raw and "max" in raw:
        both_int = all(isinstance(raw[k], int) and not isinstance(raw[k], bool) for k in ("min", "max"))
        return "int_uniform" if both_int else "uniform"
    if "mu" in raw or "sigma" in raw:
        return "normal"
    raise SweepError("give a list of values, `values`, `value`, or a `distribution` with its bounds")


def _parse_values(raw: Mapping[str, Any]) -> Values:
    values = raw.get("values")
    if not isinstance(values, list) or not values:
        raise SweepError("values: must be a non-empty list")
    probabilities = raw.get("probabilities")
    if probabilities is None:
        return Values(tuple(values))
    if not isinstance(probabilities, list) or len(probabilities) != len(values):
        raise SweepError("probabilities: must be a list as long as values")
    if any(not _is_number(p) or p < 0 for p in probabilities):
        raise SweepError("probabilities: must be non-negative numbers")
    if not math.isclose(sum(probabilities), 1.0, abs_tol=1e-6):
        raise SweepError(f"probabilities: must sum to 1, not {sum(probabilities):g}")
    return Values(tuple(values), tuple(float(p) for p in probabilities))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(raw: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if value is None:
        raise SweepError(f"{key}: required for distribution {raw.get('distribution')!r}")
    if not _is_number(value):
        raise SweepError(f"{key}: must be a finite number, not {value!r}")
    return float(value)


def _parse_distribution(kind: str, raw: Mapping[str, Any]) -> Distribution:
    q = _number(raw, "q", 1.0) if kind.startswith("q_") else None
    if q is not None and q <= 0:
        raise SweepError(f"q: must be positive, not {q:g}")
    if kind.endswith("normal"):
        sigma = _number(raw, "sigma", 1.0)
        if sigma <= 0:
            raise SweepError(f"sigma: must be positive, not {sigma:g}")
        mu = _number(raw, "mu", 0.0)
        if "log" in kind and abs(mu) + 8 * sigma > MAX_EXPONENT:
            raise SweepError(f"{kind} draws exp(normal(mu, sigma)); mu {mu:g}, sigma {sigma:g} overflow")
        return Distribution(kind, mu=mu, sigma=sigma, q=q)
    low, high = _number(raw, "min"), _number(raw, "max")
    if low >= high:
        raise SweepError(f"min must be below max (min {low:g}, max {high:g})")
    if kind.endswith("_values") and low <= 0:
        raise SweepError(f"min: {kind} needs positive bounds, not {low:g}")
    if kind == "int_uniform" and not (low.is_integer() and high.is_integer()):
        raise SweepError("int_uniform needs integer min and max")
    if kind in ("log_uniform", "q_log_uniform", "inv_log_uniform") and max(abs(low), abs(high)) > MAX_EXPONENT:
        raise SweepError(
            f"{kind} takes natural-log exponents as bounds (|bound| <= {MAX_EXPONENT});"
            " for the values themselves use log_uniform_values"
        )
    return Distribution(kind, low=low, high=high, q=q)

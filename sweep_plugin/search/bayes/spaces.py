"""A W&B parameter space as an Optuna distribution, where the two are the same distribution."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...errors import SweepError
from ...space import Distribution, Space, Values

if TYPE_CHECKING:
    import optuna

_PLAIN = (type(None), bool, int, float, str)  # what Optuna takes as categorical choices


class OptunaSpace:
    """One parameter's space as an Optuna distribution, and the value a suggestion stands for."""

    def __init__(self, distribution: Any, choices: tuple[Any, ...] | None = None) -> None:
        self.distribution = distribution
        self.choices = choices  # categorical values Optuna cannot hold: it holds their index

    @classmethod
    def of(cls, path: str, space: Space, optuna: Any) -> OptunaSpace:
        """The Optuna form of a W&B space; `SweepError` for one with no honest Optuna form."""
        dists = optuna.distributions
        if isinstance(space, Values):  # `probabilities` have no Optuna form: ignored, with a warning at collection
            if all(type(value) in _PLAIN for value in space.values):
                return cls(dists.CategoricalDistribution(space.values))
            return cls(dists.CategoricalDistribution(tuple(range(len(space.values)))), space.values)
        return cls(_continuous(path, space, dists))

    def suggest(self, trial: optuna.trial.Trial, path: str) -> Any:
        """Ask ``trial`` for a value of this space, through Optuna's public ``suggest_*``."""
        dist = self.distribution
        kind = type(dist).__name__
        if kind == "CategoricalDistribution":
            return self.value(trial.suggest_categorical(path, dist.choices))
        if kind == "IntDistribution":
            return trial.suggest_int(path, dist.low, dist.high, step=dist.step, log=dist.log)
        return trial.suggest_float(path, dist.low, dist.high, step=dist.step, log=dist.log)

    def value(self, optuna_value: Any) -> Any:
        return self.choices[int(optuna_value)] if self.choices is not None else optuna_value

    @property
    def signature(self) -> str:
        from optuna.distributions import distribution_to_json

        return str(distribution_to_json(self.distribution))


def _continuous(path: str, space: Distribution, dists: Any) -> Any:
    """A W&B distribution as Optuna's, where the two are the same distribution."""
    kind, low, high = space.kind, space.low, space.high
    if kind == "uniform":
        return dists.FloatDistribution(low, high)
    if kind == "int_uniform":
        return dists.IntDistribution(int(low), int(high))
    if kind == "q_uniform":
        step = space.q or 1.0
        if float(step).is_integer() and float(low).is_integer() and float(high).is_integer():
            return dists.IntDistribution(int(low), int(high), step=int(step))
        return dists.FloatDistribution(low, high, step=step)
    if kind == "q_log_uniform_values" and space.q == 1 and float(low).is_integer() and float(high).is_integer():
        return dists.IntDistribution(int(low), int(high), log=True)  # whole numbers, log-spaced (Hydra's int tag(log))
    if kind in ("log_uniform_values", "inv_log_uniform_values"):  # 1/x log-uniform is x log-uniform
        return dists.FloatDistribution(low, high, log=True)
    if kind == "log_uniform":  # bounds are natural-log exponents
        return dists.FloatDistribution(math.exp(low), math.exp(high), log=True)
    if kind == "inv_log_uniform":
        return dists.FloatDistribution(math.exp(-high), math.exp(-low), log=True)
    instead = (
        "a bounded one (uniform, or log_uniform_values with min and max)"
        if "normal" in kind
        else "log_uniform_values, or int_uniform / q_uniform for a grid of values"
    )
    raise SweepError(f"{kind} has no Optuna equivalent for method bayes; write {instead}", key=f"parameters.{path}")

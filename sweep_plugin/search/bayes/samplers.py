"""The Optuna sampler a bayes sweep names (``sampler:``, ``sampler_options:``), checked at collection."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import SweepError, did_you_mean

if TYPE_CHECKING:
    from ...spec import SweepSpec

SAMPLERS = ("tpe", "gp", "cmaes", "random", "qmc", "nsga2")


def sampler_factory(spec: SweepSpec, optuna: Any) -> Callable[[int], Any]:
    """A maker of the sweep's sampler from a seed; `SweepError` now for a bad name or option."""
    samplers = optuna.samplers
    classes = {
        "tpe": samplers.TPESampler,
        "gp": samplers.GPSampler,
        "cmaes": samplers.CmaEsSampler,
        "random": samplers.RandomSampler,
        "qmc": samplers.QMCSampler,
        "nsga2": samplers.NSGAIISampler,
    }
    if spec.sampler not in classes:
        raise SweepError(f"unknown sampler {spec.sampler!r}{did_you_mean(spec.sampler, SAMPLERS)}", key="sampler")
    needs = {"gp": "torch", "cmaes": "cmaes"}.get(spec.sampler)
    if needs and importlib.util.find_spec(needs) is None:
        raise SweepError(f"sampler {spec.sampler} needs the package {needs}: pip install {needs}", key="sampler")
    cls = classes[spec.sampler]
    accepted = [name for name in inspect.signature(cls.__init__).parameters if name not in ("self", "seed")]
    for option in spec.sampler_options:
        if option not in accepted:
            raise SweepError(
                f"sampler {spec.sampler} takes no option {option!r}{did_you_mean(option, accepted)};"
                f" it takes {', '.join(accepted)}",
                key=f"sampler_options.{option}",
            )
    defaults = {"multivariate": True, "constant_liar": True} if spec.sampler == "tpe" else {}
    options = {**defaults, **spec.sampler_options}

    def make(seed: int) -> Any:
        return cls(seed=seed, **options)

    try:
        make(0)
    except (TypeError, ValueError) as exc:
        raise SweepError(f"sampler {spec.sampler}: {exc}", key="sampler_options") from None
    return make

"""Random and Latin-hypercube search: seeded draws from the parameters' distributions.

Every space maps a point of [0, 1) to a value, so both methods share this
code and differ only in how the unit points are drawn. numpy and scipy are
imported when drawing, so grid sweeps never pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import SweepError
from ..space import Point, Space
from .base import PlannedSearch, SearchSettings, budget, budget_notes

if TYPE_CHECKING:
    from ..spec import SweepSpec

MAX_DRAWS_PER_TRIAL = 100


class SampledSearch(PlannedSearch):
    """``trials`` seeded draws: i.i.d. (``random``) or a Latin hypercube (``lhs``)."""

    def __init__(self, spec: SweepSpec, settings: SearchSettings | None = None) -> None:
        super().__init__(spec, settings)
        self.count = budget(spec, self.settings)

    def size(self) -> tuple[int, str] | None:
        return self.count, "the trial budget"

    def points(self, accept: Callable[[Point], bool]) -> tuple[list[Point], tuple[str, ...]]:
        spec = self.spec
        max_draws = self.count * MAX_DRAWS_PER_TRIAL
        points = sampled_points(spec.spaces, spec.method, self.count, spec.seed, accept, max_draws)
        return points, budget_notes(spec, self.settings)


def unit_batches(method: str, dimensions: int, batch: int, seed: int) -> Iterator[Any]:
    """Endless batches of points in the unit cube, seeded: i.i.d. or Latin hypercube."""
    import numpy as np

    if method == "lhs":
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=max(dimensions, 1), seed=seed)
        while True:
            yield sampler.random(batch)
    rng = np.random.default_rng(seed)
    while True:
        yield rng.random((batch, max(dimensions, 1)))


def _draw(path: str, space: Space, u: float) -> Any:
    try:
        return space.from_unit(u)
    except (OverflowError, ValueError) as exc:
        raise SweepError(f"cannot draw a value: {exc}", key=path) from None


def sampled_points(
    spaces: Mapping[str, Space],
    method: str,
    count: int,
    seed: int,
    accept: Callable[[Point], bool],
    max_draws: int,
) -> list[Point]:
    """``count`` accepted points drawn by ``method``; rejected ones are drawn again.

    Stops with an error after ``max_draws`` draws, so an unsatisfiable
    constraint cannot hang collection.
    """
    paths = list(spaces)
    points: list[Point] = []
    draws = 0
    for batch in unit_batches(method, len(paths), count, seed):
        for row in batch:
            draws += 1
            point = {path: _draw(path, spaces[path], float(u)) for path, u in zip(paths, row, strict=False)}
            if accept(point):
                points.append(point)
                if len(points) == count:
                    return points
            if draws >= max_draws:
                raise SweepError(
                    f"constraints rejected {draws - len(points)} of {draws} drawn trials;"
                    f" only {len(points)} of {count} could be drawn. Loosen the constraints"
                )
    raise AssertionError("unreachable: unit_batches is endless")

"""Grid search: every combination of the parameters' values, in file order."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import SweepError
from ..space import Point, Space
from .base import PlannedSearch


class GridSearch(PlannedSearch):
    """The cartesian product of the value lists; constraints drop points."""

    def size(self) -> tuple[int, str] | None:
        lengths = [len(values) for values in grid_axes(self.spec.spaces).values()]
        return math.prod(lengths), " x ".join(map(str, lengths)) + " grid points"

    def points(self, accept: Callable[[Point], bool]) -> tuple[list[Point], tuple[str, ...]]:
        kept, removed = [], 0
        for point in grid_points(self.spec.spaces):
            if accept(point):
                kept.append(point)
            else:
                removed += 1
        if not kept:
            raise SweepError(f"constraints removed all {removed} grid points", key="constraints")
        if not removed:
            return kept, ()
        where = f"{self.spec.display}::{self.spec.name}"
        return kept, (f"{where}: constraints removed {removed} of {removed + len(kept)} grid points",)


def grid_points(spaces: Mapping[str, Space]) -> Iterator[Point]:
    """The cartesian product of every space's values, in file order."""
    axes = grid_axes(spaces)
    for combination in itertools.product(*axes.values()):
        yield dict(zip(axes, combination, strict=True))


def grid_axes(spaces: Mapping[str, Space]) -> dict[str, list[Any]]:
    """Every space's grid values, by path (a space without finite values is an error at its key)."""
    axes = {}
    for path, space in spaces.items():
        try:
            axes[path] = list(space.grid_values())
        except SweepError as exc:
            raise SweepError(exc.message, key=path) from None
    return axes

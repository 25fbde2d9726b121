"""Grid search: every combination of the parameters' values, in file order."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping

from ..errors import SweepError
from ..space import Point, Space
from .base import PlannedSearch


class GridSearch(PlannedSearch):
    """The cartesian product of the value lists; constraints drop points."""

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
    paths = list(spaces)
    axes = []
    for path in paths:
        try:
            axes.append(spaces[path].grid_values())
        except SweepError as exc:
            raise SweepError(exc.message, key=path) from None
    for combination in itertools.product(*axes):
        yield dict(zip(paths, combination, strict=True))

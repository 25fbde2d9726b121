"""Grid search: every combination of the parameters' values, in file order.

``trials: N`` (or W&B's ``run_cap``) takes N of them: the ``quick`` ones first, then an even spread
over the rest, so a budget still covers the grid from end to end; repeats multiply what it takes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import SweepError
from ..space import Point, Space
from .base import PlannedSearch, in_quick


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
        where = f"{self.spec.display}::{self.spec.name}"
        notes = [f"{where}: constraints removed {removed} of {removed + len(kept)} grid points"] if removed else []
        if self.spec.trials is not None:
            taken = spread(kept, self.spec.trials, lambda point: in_quick(self.spec, point))
            if len(taken) < len(kept):
                notes.append(
                    f"{where}: trials: {self.spec.trials} takes {len(taken)} of the {len(kept)} grid points"
                    " (the quick ones first, then an even spread)"
                )
            kept = taken
        return kept, tuple(notes)


def spread(points: list[Point], count: int, first: Callable[[Point], bool]) -> list[Point]:
    """``count`` of ``points`` in their order: those ``first`` picks, then the rest evenly spread (ends included)."""
    if count >= len(points):
        return points
    picked = [i for i, point in enumerate(points) if first(point)]
    chosen = picked[:count] if len(picked) < len(points) else []  # all quick: nothing comes first
    taken = set(chosen)
    rest = [i for i in range(len(points)) if i not in taken]
    left = count - len(chosen)
    if left > 0:
        step = (len(rest) - 1) / (left - 1) if left > 1 else 0.0
        chosen += [rest[round(k * step)] for k in range(left)]
    return [points[i] for i in sorted(chosen)]


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

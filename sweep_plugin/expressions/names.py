"""What an expression reads: bare and quoted names, the functions it may call, and the names' scopes."""

from __future__ import annotations

import ast
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max, "log": math.log}
# A gate's statistics of one metric over a configuration's repeats: ``mean(val_acc)``.
# ``min``/``max`` of one name are statistics there too; of several values, plain functions.
AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "std": statistics.stdev,
    "min": min,
    "max": max,
}
# Readers: a value by a quoted name. `metric` and `baseline` read metrics (this trial's,
# the baseline run's), `param` a parameter by dotted path or unique short name.
READERS = ("metric", "param", "baseline")

# What each reader reads: a name -> value mapping per reader (`Expression.evaluate`).
Scopes = Mapping[str, Mapping[str, Any]]


class EvaluationError(Exception):
    """An expression could not be evaluated for one trial (missing name, bad types)."""


class Read(NamedTuple):
    """One name an expression reads: bare (``acc``, kind None) or quoted (``metric("val/f1")``)."""

    kind: str | None
    name: str

    @property
    def key(self) -> str:
        """The name in one flat mapping of every name: ``baseline("x")`` is ``baseline.x``."""
        return f"baseline.{self.name}" if self.kind == "baseline" else self.name

    def __str__(self) -> str:
        return self.name if self.kind is None else f"{self.kind}({quoted(self.name)})"


def quoted(name: str) -> str:
    """``name`` as a string literal the language reads back: ``"val/f1"`` (Python's repr where it must escape)."""
    plain = name.isprintable() and '"' not in name and "\\" not in name
    return f'"{name}"' if plain else repr(name)


def param_names(params: Mapping[str, Any], short: Mapping[str, str]) -> dict[str, Any]:
    """The names an expression may use for ``params``: full dotted paths and unique short names."""
    names = dict(params)
    for path, name in short.items():
        if path in params:
            names.setdefault(name, params[path])
    return names


def flat_names(scopes: Scopes) -> dict[str, Any]:
    """Every name of ``scopes`` as a bare name reads it (`Read.key`): parameters, ``baseline.x``, then metrics."""
    baseline = {Read("baseline", name).key: value for name, value in scopes.get("baseline", {}).items()}
    return {**scopes.get("param", {}), **baseline, **scopes.get("metric", {})}


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` or ``layers[0].units`` as one dotted name; None for other nodes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        index = node.slice.value
        head = dotted_name(node.value)
        if head and isinstance(index, int) and not isinstance(index, bool):
            return f"{head}.{index}"
    return None


def is_statistic(node: ast.AST) -> bool:
    """``mean(val_acc)``, ``min(metric("val/f1"))``: a statistic of one name (min/max of several are not)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in AGGREGATES):
        return False
    return node.func.id not in FUNCTIONS or len(node.args) == 1

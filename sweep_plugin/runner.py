"""Run one trial in-process: find the experiment, call it, check the expectations."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from .errors import SweepError
from .expressions import EvaluationError
from .space import did_you_mean
from .spec import Check
from .trial import Trial

ARGUMENTS = ("config", "trial", "params")

Experiment = Callable[..., Any]


class ExpectationFailed(pytest.fail.Exception):  # type: ignore[name-defined,misc]
    """A trial ran but missed ``expect`` thresholds: a short failure, no traceback."""

    __module__ = "builtins"  # shown as plain ``ExpectationFailed``, like pytest's own outcomes

    def __init__(self, missed: list[str], params: Mapping[str, Any]) -> None:
        shown = ", ".join(f"{path}={value!r}" for path, value in params.items())
        super().__init__("\n".join([*missed, f"params: {shown}"]), pytrace=False)
        self.missed = missed


def load_experiment(reference: str, search_paths: Iterable[Path]) -> tuple[Experiment, tuple[str, ...]]:
    """Import ``module:function`` and return it with the arguments it asks for.

    ``search_paths`` (the sweep file's folder, the rootdir) go to the front
    of ``sys.path`` once, as pytest's own ``prepend`` import mode does.
    """
    for folder in reversed([str(p) for p in search_paths]):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    module_name, _, function_name = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a module that fails to import is the user's error to see
        raise SweepError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}", key="experiment") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        names = [n for n in dir(module) if not n.startswith("_")]
        hint = did_you_mean(function_name, names)
        raise SweepError(f"module {module_name!r} has no function {function_name!r}{hint}", key="experiment")
    return function, _asked_arguments(function, reference)


def _asked_arguments(function: Experiment, reference: str) -> tuple[str, ...]:
    asked = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ARGUMENTS:
            asked.append(name)
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            raise SweepError(
                f"{reference} asks for {name!r}; an experiment may ask for {', '.join(ARGUMENTS)}",
                key="experiment",
            )
    return tuple(asked)


def call_experiment(
    function: Experiment, asked: Sequence[str], config: dict[str, Any], trial: Trial
) -> Mapping[str, Any] | None:
    """Call ``function`` with the arguments its signature asks for."""
    available = {"config": config, "trial": trial, "params": trial.params}
    result: Mapping[str, Any] | None = function(**{name: available[name] for name in asked})
    return result


def missed_expectations(checks: Sequence[Check], names: Mapping[str, Any], display: str) -> list[str]:
    """One line per missed ``expect``: ``file:line: acc >= 0.75: acc = 0.5057``."""
    missed = []
    for check in checks:
        where = f"{display}:{check.line}" if check.line else display
        try:
            ok = check.expression.evaluate(names)
        except EvaluationError as exc:
            missed.append(f"{where}: {check.expression.text}: {exc}")
            continue
        if not ok:
            missed.append(f"{where}: {check.expression.describe(names)}")
    return missed

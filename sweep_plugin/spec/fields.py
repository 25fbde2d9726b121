"""Parsers of a sweep's single keys: each takes the YAML value and returns it checked, or raises `SweepError`.

A parser knows nothing of where its key sits in the file: the reader adds
the file, line and key path to the error on its way out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import SweepError, did_you_mean
from ..ids import safe_name, short_names
from ..records import DEFAULT_GOAL, GOALS, Goal, Metric
from ..space import Space, parse_space
from .model import METHODS, Check


def check_gate_names(check: Check, spaces: Mapping[str, Space]) -> None:
    """Outside a statistic a gate reads one value per configuration: a parameter, or ``count``."""
    known = {"count", *spaces, *short_names([*spaces]).values()}
    for read in check.expression.reads:
        if read in check.expression.aggregated or read.kind == "param" or read.key in known:
            continue
        raise SweepError(
            f"{read} has a value per repeat: take a statistic of it, such as mean({read}) or min({read})"
            f" (outside one, a gate reads parameters and `count`)"
        )


def parse_name(raw: Any) -> str:
    """The name as one plain word (``"lr sweep"`` is ``lr_sweep``): it names node ids and folders."""
    name = safe_name(raw) if isinstance(raw, str) else ""
    if not name:
        raise SweepError(f"must be a name with a letter or digit, not {raw!r}")
    return name


def parse_parameters(raw: Any, prefix: str = "") -> dict[str, Space]:
    if not isinstance(raw, Mapping):
        raise SweepError("must map dotted config paths to value lists or distributions")
    spaces: dict[str, Space] = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if is_block(value):  # W&B nested parameters
            spaces.update(parse_parameters(value["parameters"], f"{path}."))
            continue
        try:
            spaces[path] = parse_space(value)
        except SweepError as exc:
            raise SweepError(exc.message, key=f"{path}.{exc.key}" if exc.key else path) from None
    return spaces


def is_block(value: Any) -> bool:
    """Whether a parameter is W&B's nested block: ``{parameters: {...}}``, not a space."""
    return isinstance(value, Mapping) and "parameters" in value


def choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw not in choices:
            raise SweepError(f"must be one of {', '.join(choices)}, not {raw!r}{did_you_mean(str(raw), choices)}")
        return str(raw)

    return parse


def parse_method(raw: Any) -> str:
    """A built-in method, or another plain name that a plugin may provide (checked at collection)."""
    if isinstance(raw, str) and raw.isidentifier():
        return raw
    return choice(METHODS)(raw)


def parse_int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SweepError(f"must be an integer, not {raw!r}")
    return raw


def parse_positive_int(raw: Any) -> int:
    if parse_int(raw) < 1:
        raise SweepError(f"must be at least 1, not {raw}")
    return int(raw)


def parse_non_negative_int(raw: Any) -> int:
    if parse_int(raw) < 0:
        raise SweepError(f"must be 0 or more, not {raw}")
    return int(raw)


def parse_positive_number(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise SweepError(f"must be a positive number of seconds, not {raw!r}")
    return float(raw)


def parse_metrics(raw: Any) -> tuple[Metric, ...]:
    """One metric, or a list of them (a multi-objective sweep); W&B's ``metrics:`` is such a list."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise SweepError("must name at least one metric")
    metrics = []
    for index, item in enumerate(items):
        try:
            metrics.append(parse_metric(item))
        except SweepError as exc:
            key = ".".join(filter(None, [str(index) if len(items) > 1 else "", exc.key]))
            raise SweepError(exc.message, key=key) from None
    names = [metric.name for metric in metrics]
    if len(set(names)) < len(names):
        raise SweepError(f"names a metric twice: {', '.join(names)}")
    return tuple(metrics)


def parse_metric(raw: Any) -> Metric:
    if isinstance(raw, str):
        return Metric(raw)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise SweepError("must be {name: <metric>, goal: maximize|minimize}")
    goal = raw.get("goal", DEFAULT_GOAL.value)
    if goal not in GOALS:
        raise SweepError(f"goal must be maximize or minimize, not {goal!r}", key="goal")
    return Metric(raw["name"], Goal(goal))


def parse_marks(raw: Any) -> tuple[str, ...]:
    marks = [raw] if isinstance(raw, str) else raw
    if not isinstance(marks, list) or not all(isinstance(m, str) and m.isidentifier() for m in marks):
        raise SweepError(f"must be a list of marker names, not {raw!r}")
    return tuple(marks)


def parse_sampler_name(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.isidentifier():
        raise SweepError(f"must be a sampler name (tpe, gp, cmaes, random, qmc, nsga2), not {raw!r}")
    return raw


def parse_options(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not all(isinstance(key, str) for key in raw):
        raise SweepError(f"must be a mapping of the sampler's keyword arguments, not {raw!r}")
    return dict(raw)


def parse_quick(raw: Any, spaces: Mapping[str, Space], method: str) -> dict[str, tuple[Any, ...]] | bool | int:
    if isinstance(raw, bool):
        return raw
    if method == "bayes":  # its trials have no parameters before they run: the quick subset is the first N
        if not isinstance(raw, int) or raw < 1:
            raise SweepError(f"for method bayes, give the number of trials of the quick run (or true), not {raw!r}")
        return raw
    if not isinstance(raw, Mapping):
        raise SweepError("must map parameters to the values of the quick subset, or be true")
    subset = {}
    for path, values in raw.items():
        if path not in spaces:
            raise SweepError(f"{path!r} is not a parameter{did_you_mean(str(path), list(spaces))}", key=str(path))
        subset[str(path)] = tuple(values) if isinstance(values, list) else (values,)
    return subset


def parse_experiment(raw: Any) -> str:
    module, _, function = str(raw).partition(":")
    if not isinstance(raw, str) or not module or not function.isidentifier():
        raise SweepError(f"must be 'module:function' (e.g. 'models:train'), not {raw!r}")
    return raw


def parse_command(raw: Any) -> str | tuple[str, ...]:
    if isinstance(raw, str) and raw.strip():
        return raw
    if isinstance(raw, list) and raw and all(isinstance(part, str | int | float) for part in raw):
        return tuple(str(part) for part in raw)
    raise SweepError("must be a command string or a list of arguments")


def parse_program(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise SweepError(f"must be the path of the script to run (W&B's `program`), not {raw!r}")
    return raw

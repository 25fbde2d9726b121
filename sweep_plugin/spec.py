"""Sweep files: parse and check the YAML into `SweepSpec` values.

Everything a trial needs is checked here, at collection, so a typo fails
fast as one clear error (``sweep_x.yaml:7: parameters.lr: min must be below
max``) instead of failing every trial later.
"""

from __future__ import annotations

import copy
import fnmatch
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .agent import unset_envvars
from .config import deep_merge, inner_paths, load_config_file, set_path
from .devices import Resources, parse_resources
from .errors import SweepError, did_you_mean
from .expressions import Expression
from .ids import safe_name, short_names
from .records import GOALS, Metric
from .regression import Regression, parse_regression
from .space import Space, parse_space
from .yamlio import KeyPath, LoadedYaml, load_yaml

T = TypeVar("T")

METHODS = ("grid", "random", "lhs", "bayes")  # built in; a plugin may add more (pytest_sweep_search_method)
SWEEP_KEYS = (
    "name",
    "experiment",
    "command",
    "base",
    "config",
    "parameters",
    "method",
    "trials",
    "seed",
    "repeat",
    "constraints",
    "metric",
    "metrics",
    "expect",
    "timeout",
    "marks",
    "quick",
    "retries",
    "early_terminate",
    "sampler",
    "sampler_options",
    "run_cap",
    "program",
    "gate",
    "regression",
    "resources",
    "gpus_per_trial",
)
# Keys of a W&B sweep file that mean nothing here: warned about, not refused.
WANDB_KEYS = ("project", "entity", "description", "controller", "job")  # run_cap is read: `trials`
EARLY_TERMINATE_TYPES = ("median", "hyperband")
# The keys each rule takes; hyperband's are W&B's (its `hyperband_stopping` schema). Median ignores eta, max_iter, s.
EARLY_TERMINATE_KEYS = {
    "median": ("type", "min_iter", "eta", "max_iter", "s"),
    "hyperband": ("type", "min_iter", "max_iter", "s", "eta", "strict"),
}
DEFAULT_COMMAND = ["${env}", "${interpreter}", "${program}", "${args}"]  # W&B's, for a file with `program` only


@dataclass(frozen=True)
class Check:
    """A constraint or expectation, with the line it was written on."""

    expression: Expression
    line: int | None


@dataclass(frozen=True)
class SweepSpec:
    """One checked sweep: what to run, over which space, and what to expect."""

    name: str
    file: Path
    display: str
    line: int | None
    spaces: dict[str, Space]
    config: dict[str, Any] = field(default_factory=dict)
    experiment: str | None = None
    command: str | tuple[str, ...] | None = None
    program: str | None = None  # W&B's script: what ``${program}`` is, run by W&B's default command
    nested: tuple[str, ...] = ()  # parameters written as W&B's nested ``parameters:`` blocks
    method: str = "grid"
    trials: int | None = None
    seed: int = 0
    repeat: int = 1
    constraints: tuple[Check, ...] = ()
    objectives: tuple[Metric, ...] = ()  # every metric to optimize; more than one: a multi-objective sweep
    expect: tuple[Check, ...] = ()
    gate: tuple[Check, ...] = ()  # over each configuration's repeats
    regression: Regression | None = None
    resources: Resources = field(default_factory=Resources)  # what one trial needs: memory, GPUs
    timeout: float | None = None
    marks: tuple[str, ...] = ()
    quick: dict[str, tuple[Any, ...]] | bool | int | None = None  # an int: the first N trials (bayes)
    retries: int = 0
    early_terminate: dict[str, Any] | None = None
    sampler: str = "tpe"
    sampler_options: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    key_lines: dict[str, int] = field(default_factory=dict)  # line of each top-level key

    @property
    def metric(self) -> Metric | None:
        """The first of ``objectives``: what "best" means."""
        return self.objectives[0] if self.objectives else None

    @property
    def key(self) -> str:
        """The sweep among all others: its file and name (what its node ids start with)."""
        return f"{self.display}::{self.name}"

    @property
    def reference(self) -> str | tuple[str, ...] | None:
        """What a trial runs, as written: the experiment or the command (part of the store's hash)."""
        return self.experiment or self.command

    @functools.cached_property
    def parameters(self) -> list[str]:
        """Every parameter path of a trial: the spaces, and ``seed`` with ``repeat``."""
        return [*self.spaces, "seed"] if self.repeat > 1 else list(self.spaces)

    @functools.cached_property
    def short(self) -> dict[str, str]:
        """Each parameter path's short name: its last component where unique (for ids and expressions)."""
        return short_names([*self.spaces, "seed"])

    def line_of(self, key: str) -> int | None:
        """The line of a top-level key, else of the sweep."""
        return self.key_lines.get(key, self.line)

    @functools.cached_property
    def scales(self) -> dict[str, str]:
        """Each parameter's axis scale for plots: linear, log or categorical."""
        scales = {path: space.scale for path, space in self.spaces.items()}
        if self.repeat > 1:
            scales["seed"] = "categorical"
        return scales


def is_sweep(data: Any) -> bool:
    """Whether a YAML document is a sweep: a mapping with a sweep key (ours or W&B's) or ``sweeps:``."""
    return isinstance(data, Mapping) and any(key in data for key in (*SWEEP_KEYS, *WANDB_KEYS, "sweeps"))


def default_name(path: Path) -> str:
    """``sweep_lr.yaml`` and ``lr.sweep.yaml`` are both the sweep ``lr`` (made a plain word, as `name` is)."""
    stem = path.name.split(".")[0]
    return safe_name(stem.removeprefix("sweep_") or stem) or "sweep"


def sweep_resources(
    args: Sequence[str], start: Path, patterns: Sequence[str], skip: Sequence[str] = ()
) -> list[Resources] | None:
    """What the trials of the sweep files under ``args`` need (for ``-n auto``); None if there are none.

    One walk per folder, past hidden folders and those ``skip`` (pytest's ``norecursedirs``) matches.
    """
    files: list[Path] = []
    for arg in args:
        path = start / arg.split("::", 1)[0]
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            files.append(path)
        elif path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [
                    name
                    for name in subfolders
                    if not name.startswith(".") and not any(fnmatch.fnmatch(name, glob) for glob in skip)
                ]
                files += [
                    Path(folder) / name for name in sorted(names) if any(fnmatch.fnmatch(name, p) for p in patterns)
                ]
    needs = []
    for file in dict.fromkeys(files):
        try:
            needs += [spec.resources for spec in load_sweep_file(file)]
        except (SweepError, OSError):
            continue  # collection will say what is wrong with it
    return needs or None


def load_sweep_file(path: Path, display: str | None = None) -> list[SweepSpec]:
    """Every sweep in ``path``: one mapping, or a ``sweeps:`` list of them.

    Other top-level keys beside ``sweeps:`` are defaults for every sweep.
    """
    display = display or path.name
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"), display)
    except SweepError as exc:
        raise exc.located(display, exc.line) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SweepError(f"cannot read the file: {exc}", file=display) from None
    data = loaded.data
    if not is_sweep(data):
        return []  # a results or data file that happens to match the pattern: not ours to collect
    reader = _Reader(loaded, display, path)
    if "sweeps" not in data:
        return [reader.sweep(data, (), default_name(path))]
    sweeps = data["sweeps"]
    if not isinstance(sweeps, list) or not all(isinstance(s, Mapping) for s in sweeps):
        raise reader.error(("sweeps",), SweepError("must be a list of sweep mappings"))
    shared = {key: value for key, value in data.items() if key != "sweeps"}
    specs = []
    for index, sweep in enumerate(sweeps):
        fallback = f"{default_name(path)}{index}"
        specs.append(reader.sweep({**shared, **sweep}, ("sweeps", str(index)), fallback))
    names = [spec.name for spec in specs]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise reader.error(("sweeps", str(index), "name"), SweepError(f"duplicate sweep name {name!r}"))
    return specs


class _Reader:
    """Reads sweep mappings of one file, turning errors into located ones."""

    def __init__(self, loaded: LoadedYaml, display: str, path: Path) -> None:
        self.loaded = loaded
        self.display = display
        self.path = path

    def error(self, where: KeyPath, exc: SweepError) -> SweepError:
        line = self.loaded.lines.get(where + (exc.key,)) if exc.key else None
        if line is None:
            line = self.loaded.line(where + (tuple(exc.key.split(".")) if exc.key else ()))
        return exc.located(self.display, line, prefix=".".join(where))

    def read(self, where: KeyPath, parse: Callable[[Any], T], raw: Any) -> T:
        try:
            return parse(raw)
        except SweepError as exc:
            raise self.error(where, exc) from None

    def sweep(self, raw: Mapping[str, Any], where: KeyPath, fallback_name: str) -> SweepSpec:
        warnings = []
        for key in raw:
            if key in WANDB_KEYS:
                warnings.append(f"{key!r} is a W&B sweep key that sweep_plugin ignores")
            elif key not in SWEEP_KEYS:
                hint = did_you_mean(str(key), SWEEP_KEYS)
                raise self.error(where + (str(key),), SweepError(f"unknown key{hint}"))

        def at(key: str, parse: Callable[[Any], T], default: T) -> T:
            return self.read(where + (key,), parse, raw[key]) if key in raw else default

        name = at("name", _name, fallback_name)
        spaces: dict[str, Space] = at("parameters", lambda raw: _parameters(raw), {})
        nested = tuple(str(key) for key, value in (raw.get("parameters") or {}).items() if _is_block(value))
        config = self._config(raw, where)
        inner = inner_paths(spaces)  # checked below: for a command each stays a flat key
        for path in spaces:
            if path not in inner:
                self.read(where + ("parameters", path), lambda p: set_path(copy.deepcopy(config), p, None), path)
        method = at("method", _method, "grid")
        if method == "grid":
            for path, space in spaces.items():
                self.read(where + ("parameters", path), lambda s: s.grid_values(), space)
        trials = at("trials", _positive_int, None) or at("run_cap", _positive_int, None)  # W&B's name for it
        if "metric" in raw and "metrics" in raw:
            raise self.error(where + ("metrics",), SweepError("give `metric` or `metrics`, not both"))
        metric_key = "metrics" if "metrics" in raw else "metric"
        objectives: tuple[Metric, ...] = at(metric_key, _metrics, ())
        if method == "bayes" and not objectives:
            problem = SweepError("bayes needs `metric: {name: ..., goal: ...}` to optimize")
            raise self.error(where + ("method",), problem)
        for key in ("sampler", "sampler_options"):
            if key in raw and method != "bayes":
                raise self.error(where + (key,), SweepError(f"applies to method: bayes only, not {method}"))
        if method == "bayes" and any(getattr(space, "probabilities", None) for space in spaces.values()):
            warnings.append("method bayes ignores `probabilities`: its sampler weighs the values by their results")
        experiment, command, program = self._target(raw, where)
        if experiment is not None and "program" in raw:
            warnings.append("'program' is W&B's script; this sweep runs its `experiment` in-process instead")
        for variable in unset_envvars([command] if isinstance(command, str) else list(command or ())):
            warnings.append(f"command: ${{envvar:{variable}}} is not set; W&B's agent passes {variable!r} in its place")
        if command is None and inner:  # in-process, a value of one parameter would replace the other
            path = next(path for path in spaces if path in inner)
            outer = next(p for p in spaces if path.startswith(p + "."))
            problem = SweepError(
                f"lies inside the parameter {outer!r}: each value of {outer} would replace it;"
                f" sweep one of the two, or put {path.rpartition('.')[2]} into {outer}'s values",
            )
            raise self.error(where + ("parameters", path), problem)
        repeat = at("repeat", _positive_int, 1)
        if "early_terminate" in raw and not objectives:
            raise self.error(
                where + ("early_terminate",), SweepError("needs `metric: {name: ..., goal: ...}` to judge")
            )
        if repeat > 1 and "seed" in spaces:
            raise self.error(where + ("repeat",), SweepError("repeat sets the parameter `seed`; drop one of them"))
        for key in ("gate", "regression"):
            if key in raw and repeat < 2:
                problem = SweepError(
                    "judges a configuration over its repeats: add `repeat: N` (5 or more is sensible),"
                    " or check each trial with `expect`"
                )
                raise self.error(where + (key,), problem)
        gate = self._checks(raw, where, "gate")
        for index, check in enumerate(gate):
            self.read(where + ("gate", str(index)), lambda c: _check_gate_names(c, spaces), check)
        return SweepSpec(
            name=name,
            file=self.path,
            display=self.display,
            line=self.loaded.line(where) if where else 1,
            spaces=spaces,
            config=config,
            experiment=experiment,
            command=command,
            program=program,
            nested=nested,
            method=method,
            trials=trials,
            seed=at("seed", _int, 0),
            repeat=repeat,
            constraints=self._checks(raw, where, "constraints"),
            objectives=objectives,
            expect=self._checks(raw, where, "expect"),
            gate=gate,
            regression=at("regression", lambda r: parse_regression(r, objectives), None),
            resources=self.read(
                where + ("resources",), lambda r: parse_resources(r, raw.get("gpus_per_trial")), raw.get("resources")
            ),
            timeout=at("timeout", _positive_number, None),
            marks=at("marks", _marks, ()),
            quick=self.read(where + ("quick",), lambda q: _quick(q, spaces, method), raw["quick"])
            if "quick" in raw
            else None,
            retries=at("retries", _non_negative_int, 0),
            early_terminate=at("early_terminate", _early_terminate, None),
            sampler=at("sampler", _sampler_name, "tpe"),
            sampler_options=at("sampler_options", _options, {}),
            warnings=tuple(warnings),
            key_lines={str(key): line for key in raw if (line := self.loaded.line(where + (str(key),)))},
        )

    def _config(self, raw: Mapping[str, Any], where: KeyPath) -> dict[str, Any]:
        base: dict[str, Any] = {}
        if "base" in raw:
            if not isinstance(raw["base"], str):
                raise self.error(where + ("base",), SweepError("must be a path to a YAML or JSON file"))
            base = self.read(where + ("base",), load_config_file, self.path.parent / raw["base"])
        inline = raw.get("config") or {}
        if not isinstance(inline, Mapping):
            raise self.error(where + ("config",), SweepError("must be a mapping"))
        return self.read(where + ("config",), lambda c: deep_merge(base, c), inline)

    def _target(
        self, raw: Mapping[str, Any], where: KeyPath
    ) -> tuple[str | None, str | tuple[str, ...] | None, str | None]:
        """The experiment, or the command and W&B's ``program`` (alone, it runs W&B's default command)."""
        experiment, command, program = raw.get("experiment"), raw.get("command"), raw.get("program")
        if experiment is not None:
            if command is not None:
                raise self.error(where + ("command",), SweepError("give `experiment` or `command`, not both"))
            return self.read(where + ("experiment",), _experiment, experiment), None, None
        if program is not None:
            program = self.read(where + ("program",), _program, program)
            command = DEFAULT_COMMAND if command is None else command
        if command is not None:
            return None, self.read(where + ("command",), _command, command), program
        return None, None, None

    def _checks(self, raw: Mapping[str, Any], where: KeyPath, key: str) -> tuple[Check, ...]:
        items = raw.get(key) or []
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list):
            raise self.error(where + (key,), SweepError("must be a list of expressions"))
        parse = functools.partial(Expression.parse, gate=key == "gate")
        return tuple(
            Check(self.read(where + (key, str(i)), parse, text), self.loaded.line(where + (key, str(i))))
            for i, text in enumerate(items)
        )


def _check_gate_names(check: Check, spaces: Mapping[str, Space]) -> None:
    """Outside a statistic a gate reads one value per configuration: a parameter, or ``count``."""
    known = {"count", *spaces, *short_names([*spaces]).values()}
    for read in check.expression.reads:
        if read in check.expression.aggregated or read.kind == "param" or read.key in known:
            continue
        raise SweepError(
            f"{read} has a value per repeat: take a statistic of it, such as mean({read}) or min({read})"
            f" (outside one, a gate reads parameters and `count`)"
        )


def _name(raw: Any) -> str:
    """The name as one plain word (``"lr sweep"`` is ``lr_sweep``): it names node ids and folders."""
    name = safe_name(raw) if isinstance(raw, str) else ""
    if not name:
        raise SweepError(f"must be a name with a letter or digit, not {raw!r}")
    return name


def _parameters(raw: Any, prefix: str = "") -> dict[str, Space]:
    if not isinstance(raw, Mapping):
        raise SweepError("must map dotted config paths to value lists or distributions")
    spaces: dict[str, Space] = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        if _is_block(value):  # W&B nested parameters
            spaces.update(_parameters(value["parameters"], f"{path}."))
            continue
        try:
            spaces[path] = parse_space(value)
        except SweepError as exc:
            raise SweepError(exc.message, key=f"{path}.{exc.key}" if exc.key else path) from None
    return spaces


def _is_block(value: Any) -> bool:
    """Whether a parameter is W&B's nested block: ``{parameters: {...}}``, not a space."""
    return isinstance(value, Mapping) and "parameters" in value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if raw not in choices:
            raise SweepError(f"must be one of {', '.join(choices)}, not {raw!r}{did_you_mean(str(raw), choices)}")
        return str(raw)

    return parse


def _method(raw: Any) -> str:
    """A built-in method, or another plain name that a plugin may provide (checked at collection)."""
    if isinstance(raw, str) and raw.isidentifier():
        return raw
    return _choice(METHODS)(raw)


def _int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SweepError(f"must be an integer, not {raw!r}")
    return raw


def _positive_int(raw: Any) -> int:
    if _int(raw) < 1:
        raise SweepError(f"must be at least 1, not {raw}")
    return int(raw)


def _non_negative_int(raw: Any) -> int:
    if _int(raw) < 0:
        raise SweepError(f"must be 0 or more, not {raw}")
    return int(raw)


def _positive_number(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise SweepError(f"must be a positive number of seconds, not {raw!r}")
    return float(raw)


def _metrics(raw: Any) -> tuple[Metric, ...]:
    """One metric, or a list of them (a multi-objective sweep); W&B's ``metrics:`` is such a list."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise SweepError("must name at least one metric")
    metrics = []
    for index, item in enumerate(items):
        try:
            metrics.append(_metric(item))
        except SweepError as exc:
            key = ".".join(filter(None, [str(index) if len(items) > 1 else "", exc.key]))
            raise SweepError(exc.message, key=key) from None
    names = [metric.name for metric in metrics]
    if len(set(names)) < len(names):
        raise SweepError(f"names a metric twice: {', '.join(names)}")
    return tuple(metrics)


def _metric(raw: Any) -> Metric:
    if isinstance(raw, str):
        return Metric(raw)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise SweepError("must be {name: <metric>, goal: maximize|minimize}")
    goal = raw.get("goal", "minimize")
    if goal not in GOALS:
        raise SweepError(f"goal must be maximize or minimize, not {goal!r}", key="goal")
    return Metric(raw["name"], goal)


def _marks(raw: Any) -> tuple[str, ...]:
    marks = [raw] if isinstance(raw, str) else raw
    if not isinstance(marks, list) or not all(isinstance(m, str) and m.isidentifier() for m in marks):
        raise SweepError(f"must be a list of marker names, not {raw!r}")
    return tuple(marks)


def _sampler_name(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.isidentifier():
        raise SweepError(f"must be a sampler name (tpe, gp, cmaes, random, qmc, nsga2), not {raw!r}")
    return raw


def _options(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping) or not all(isinstance(key, str) for key in raw):
        raise SweepError(f"must be a mapping of the sampler's keyword arguments, not {raw!r}")
    return dict(raw)


def _quick(raw: Any, spaces: Mapping[str, Space], method: str) -> dict[str, tuple[Any, ...]] | bool | int:
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


def _experiment(raw: Any) -> str:
    module, _, function = str(raw).partition(":")
    if not isinstance(raw, str) or not module or not function.isidentifier():
        raise SweepError(f"must be 'module:function' (e.g. 'models:train'), not {raw!r}")
    return raw


def _command(raw: Any) -> str | tuple[str, ...]:
    if isinstance(raw, str) and raw.strip():
        return raw
    if isinstance(raw, list) and raw and all(isinstance(part, str | int | float) for part in raw):
        return tuple(str(part) for part in raw)
    raise SweepError("must be a command string or a list of arguments")


def _program(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise SweepError(f"must be the path of the script to run (W&B's `program`), not {raw!r}")
    return raw


def _early_terminate(raw: Any) -> dict[str, Any]:
    """The rule, checked, with its defaults filled in.

    Hyperband takes W&B's keys: ``min_iter``, or ``max_iter`` with ``s``
    (both given: ``max_iter`` and ``s`` define the bands, as in W&B), ``eta``
    (default 3) and ``strict`` (default true). With neither ``min_iter`` nor
    ``max_iter``, ``min_iter`` is 3 (W&B refuses such a rule).
    """
    from .hyperband import DEFAULT_ETA, DEFAULT_MIN_ITER, rule_bands

    if not isinstance(raw, Mapping):
        raise SweepError(f"must be a mapping such as {{type: hyperband, min_iter: 3}}, not {raw!r}")
    kind = raw.get("type")
    if kind is None:
        raise SweepError("needs `type: median` or `type: hyperband`")
    if kind not in EARLY_TERMINATE_TYPES:
        hint = did_you_mean(str(kind), EARLY_TERMINATE_TYPES)
        raise SweepError(f"must be median or hyperband, not {kind!r}{hint}", key="type")
    keys = EARLY_TERMINATE_KEYS[kind]
    unknown = sorted(str(key) for key in raw if key not in keys)
    if unknown:
        hint = did_you_mean(unknown[0], keys)
        raise SweepError(f"unknown key{hint}; {kind} takes {', '.join(keys[1:])}", key=unknown[0])
    rule = {"eta": DEFAULT_ETA, **raw}
    eta = rule["eta"]
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not eta > 1:
        raise SweepError(f"must be a number above 1, not {eta!r}", key="eta")
    for key in ("min_iter", "max_iter", "s"):
        value = rule.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SweepError(f"must be a whole number of 1 or more, not {value!r}", key=key)
    if kind == "median":
        return {"min_iter": DEFAULT_MIN_ITER, **rule}
    if not isinstance(rule.setdefault("strict", True), bool):
        raise SweepError(f"must be true or false, not {rule['strict']!r}", key="strict")
    if "max_iter" in rule and "s" not in rule:
        raise SweepError(
            "needs `s`, the number of bands counted down from max_iter (s: 2 judges at max_iter/eta**2 and "
            "max_iter/eta logged values), or give `min_iter` instead",
            key="max_iter",
        )
    if "s" in rule and "max_iter" not in rule and "min_iter" not in rule:
        raise SweepError("counts bands down from max_iter: add `max_iter`, or give `min_iter` instead", key="s")
    if "max_iter" not in rule and "min_iter" not in rule:
        rule["min_iter"] = DEFAULT_MIN_ITER
    if not rule_bands(rule):
        raise SweepError(
            f"{rule['max_iter']} / eta {eta:g} is below 1, so no band is left to judge at: "
            f"raise max_iter to {eta:g} or more, lower eta, or give `min_iter` instead",
            key="max_iter",
        )
    return rule

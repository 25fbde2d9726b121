"""Sweep files: read and check the YAML into `SweepSpec` values.

Everything a trial needs is checked here, at collection, so a typo fails
fast as one clear error (``sweep_x.yaml:7: parameters.lr: min must be below
max``) instead of failing every trial later.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import SweepError, did_you_mean, not_utf8
from ..expressions import Expression
from ..records import Metric
from ..sniff import MAX_SWEEP_BYTES, SNIFF_BYTES, top_level_keys
from ..space import Space
from . import fields
from .early_terminate import parse_early_terminate
from .hydra_project import expand, is_pointer
from .model import DEFAULT_COMMAND, SWEEP_KEYS, WANDB_KEYS, Check, SweepSpec, default_name, is_sweep
from .paths import deep_merge, inner_paths, load_config_file, set_path
from .rules import parse_regression, parse_resources
from .yamlio import KeyPath, LoadedYaml, load_yaml

T = TypeVar("T")
Target = tuple[str | None, str | tuple[str, ...] | None, str | None]  # experiment, command, program


def _may_be_a_sweep(path: Path, display: str) -> bool:
    """Whether to load ``path`` to see: a small file yes; a big one only if its top-level keys are a sweep's, and
    a sweep file over `MAX_SWEEP_BYTES` is an error (a data file named like one)."""
    size = path.stat().st_size
    if size <= SNIFF_BYTES:
        return True
    if not is_sweep(dict.fromkeys(top_level_keys(path))):
        return False
    if size > MAX_SWEEP_BYTES:
        raise SweepError(
            f"{size / 1e6:.1f} MB is too big for a sweep file (at most {MAX_SWEEP_BYTES / 1e6:.1f} MB): a data "
            "file named like a sweep? rename it, or narrow the sweep_files patterns",
            file=display,
        )
    return True


def load_sweep_file(path: Path, display: str | None = None) -> list[SweepSpec]:
    """Every sweep in ``path``: one mapping, or a ``sweeps:`` list of them.

    Other top-level keys beside ``sweeps:`` are defaults for every sweep.
    """
    display = display or path.name
    try:
        if not _may_be_a_sweep(path, display):
            return []  # a big data file that happens to match the pattern: left alone without loading it
        loaded = load_yaml(path.read_text(encoding="utf-8"), display)
    except SweepError as exc:
        raise exc.located(display, exc.line) from None
    except UnicodeDecodeError as exc:
        raise SweepError(f"not UTF-8 text ({not_utf8(exc)}): save it as UTF-8", file=display) from None
    except OSError as exc:
        raise SweepError(f"cannot read the file: {exc}", file=display) from None
    data = loaded.data
    if not is_sweep(data):
        return []  # a results or data file that happens to match the pattern: not ours to collect
    reader = _Reader(loaded, display, path)
    if is_pointer(data):
        return [hydra_sweep(reader, data, path)]
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


def hydra_sweep(reader: _Reader, data: Mapping[str, Any], path: Path) -> SweepSpec:
    """The sweep a ``hydra:`` pointer stands for (`hydra_project.expand`), read as any other sweep."""
    try:
        sweep, project = expand(data, path)
    except SweepError as exc:
        raise reader.error((), exc) from None
    spec = reader.sweep(sweep, (), default_name(path))
    reference = f"hydra:{project.app.name}:{project.task}"
    return dataclasses.replace(spec, hydra=project, experiment=reference)


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

    def refuse(self, where: KeyPath, message: str) -> SweepError:
        return self.error(where, SweepError(message))

    def sweep(self, raw: Mapping[str, Any], where: KeyPath, fallback_name: str) -> SweepSpec:
        """One sweep mapping, checked key by key and then as a whole."""
        warnings = self._unknown_keys(raw, where)

        def at(key: str, parse: Callable[[Any], T], default: T) -> T:
            return self.read(where + (key,), parse, raw[key]) if key in raw else default

        name = at("name", fields.parse_name, fallback_name)
        spaces: dict[str, Space] = at("parameters", fields.parse_parameters, {})
        nested = tuple(str(key) for key, value in (raw.get("parameters") or {}).items() if fields.is_block(value))
        config = self._config(raw, where)
        method = at("method", fields.parse_method, "grid")
        self._check_paths(spaces, config, method, where)
        trials = at("trials", fields.parse_positive_int, None) or at("run_cap", fields.parse_positive_int, None)
        objectives = self._objectives(raw, where, method)
        warnings += self._method_keys(raw, where, method, spaces)
        experiment, command, program = self._target(raw, where)
        if experiment is not None and "program" in raw:
            warnings.append("'program' is W&B's script; this sweep runs its `experiment` in-process instead")
        if command is None:
            self._check_nesting(spaces, where)
        repeat = at("repeat", fields.parse_positive_int, 1)
        self._check_repeats(raw, where, spaces, objectives, repeat)
        gate = self._checks(raw, where, "gate")
        for index, check in enumerate(gate):
            self.read(where + ("gate", str(index)), lambda c: fields.check_gate_names(c, spaces), check)
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
            seed=at("seed", fields.parse_int, 0),
            repeat=repeat,
            constraints=self._checks(raw, where, "constraints"),
            objectives=objectives,
            expect=self._checks(raw, where, "expect"),
            gate=gate,
            regression=at("regression", lambda r: parse_regression(r, objectives), None),
            resources=self.read(
                where + ("resources",), lambda r: parse_resources(r, raw.get("gpus_per_trial")), raw.get("resources")
            ),
            timeout=at("timeout", fields.parse_positive_number, None),
            marks=at("marks", fields.parse_marks, ()),
            quick=at("quick", lambda q: fields.parse_quick(q, spaces, method), None),
            retries=at("retries", fields.parse_non_negative_int, 0),
            early_terminate=at("early_terminate", parse_early_terminate, None),
            sampler=at("sampler", fields.parse_sampler_name, "tpe"),
            sampler_options=at("sampler_options", fields.parse_options, {}),
            warnings=tuple(warnings),
            key_lines={str(key): line for key in raw if (line := self.loaded.line(where + (str(key),)))},
        )

    def _unknown_keys(self, raw: Mapping[str, Any], where: KeyPath) -> list[str]:
        """Refuse a key that is no sweep key; W&B's keys that do not apply here are warned about."""
        warnings = []
        for key in raw:
            if key in WANDB_KEYS:
                warnings.append(f"{key!r} is a W&B sweep key that sweep_plugin ignores")
            elif key not in SWEEP_KEYS:
                raise self.refuse(where + (str(key),), f"unknown key{did_you_mean(str(key), SWEEP_KEYS)}")
        return warnings

    def _config(self, raw: Mapping[str, Any], where: KeyPath) -> dict[str, Any]:
        base: dict[str, Any] = {}
        if "base" in raw:
            if not isinstance(raw["base"], str):
                raise self.refuse(where + ("base",), "must be a path to a YAML or JSON file")
            base = self.read(where + ("base",), load_config_file, self.path.parent / raw["base"])
        inline = raw.get("config") or {}
        if not isinstance(inline, Mapping):
            raise self.refuse(where + ("config",), "must be a mapping")
        return self.read(where + ("config",), lambda c: deep_merge(base, c), inline)

    def _check_paths(self, spaces: Mapping[str, Space], config: dict[str, Any], method: str, where: KeyPath) -> None:
        """Every parameter lands somewhere in the config; a grid's spaces have finite values."""
        inner = inner_paths(spaces)  # for a command each stays a flat key (checked in `_check_nesting`)
        for path in spaces:
            if path not in inner:
                self.read(where + ("parameters", path), lambda p: set_path(copy.deepcopy(config), p, None), path)
        if method == "grid":
            for path, space in spaces.items():
                self.read(where + ("parameters", path), lambda s: s.grid_values(), space)

    def _objectives(self, raw: Mapping[str, Any], where: KeyPath, method: str) -> tuple[Metric, ...]:
        if "metric" in raw and "metrics" in raw:
            raise self.refuse(where + ("metrics",), "give `metric` or `metrics`, not both")
        key = "metrics" if "metrics" in raw else "metric"
        objectives = self.read(where + (key,), fields.parse_metrics, raw[key]) if key in raw else ()
        if method == "bayes" and not objectives:
            raise self.refuse(where + ("method",), "bayes needs `metric: {name: ..., goal: ...}` to optimize")
        return objectives

    def _method_keys(
        self, raw: Mapping[str, Any], where: KeyPath, method: str, spaces: Mapping[str, Space]
    ) -> list[str]:
        """Keys that apply to ``method: bayes`` only are refused elsewhere; what it ignores is warned about."""
        for key in ("sampler", "sampler_options"):
            if key in raw and method != "bayes":
                raise self.refuse(where + (key,), f"applies to method: bayes only, not {method}")
        if method == "bayes" and any(getattr(space, "probabilities", None) for space in spaces.values()):
            return ["method bayes ignores `probabilities`: its sampler weighs the values by their results"]
        return []

    def _target(self, raw: Mapping[str, Any], where: KeyPath) -> Target:
        """The experiment, or the command and W&B's ``program`` (alone, it runs W&B's default command)."""
        experiment, command, program = raw.get("experiment"), raw.get("command"), raw.get("program")
        if experiment is not None:
            if command is not None:
                raise self.refuse(where + ("command",), "give `experiment` or `command`, not both")
            return self.read(where + ("experiment",), fields.parse_experiment, experiment), None, None
        if program is not None:
            program = self.read(where + ("program",), fields.parse_program, program)
            command = DEFAULT_COMMAND if command is None else command
        if command is not None:
            return None, self.read(where + ("command",), fields.parse_command, command), program
        return None, None, None

    def _check_nesting(self, spaces: Mapping[str, Space], where: KeyPath) -> None:
        """In-process, a value of one parameter would replace a parameter inside it: refused."""
        inner = inner_paths(spaces)
        if not inner:
            return
        path = next(path for path in spaces if path in inner)
        outer = next(p for p in spaces if path.startswith(p + "."))
        raise self.refuse(
            where + ("parameters", path),
            f"lies inside the parameter {outer!r}: each value of {outer} would replace it;"
            f" sweep one of the two, or put {path.rpartition('.')[2]} into {outer}'s values",
        )

    def _check_repeats(
        self,
        raw: Mapping[str, Any],
        where: KeyPath,
        spaces: Mapping[str, Space],
        objectives: tuple[Metric, ...],
        repeat: int,
    ) -> None:
        """What needs a metric or repeats has them; ``repeat`` owns the parameter ``seed``."""
        if "early_terminate" in raw and not objectives:
            raise self.refuse(where + ("early_terminate",), "needs `metric: {name: ..., goal: ...}` to judge")
        if repeat > 1 and "seed" in spaces:
            raise self.refuse(where + ("repeat",), "repeat sets the parameter `seed`; drop one of them")
        for key in ("gate", "regression"):
            if key in raw and repeat < 2:
                raise self.refuse(
                    where + (key,),
                    "judges a configuration over its repeats: add `repeat: N` (5 or more is sensible),"
                    " or check each trial with `expect`",
                )

    def _checks(self, raw: Mapping[str, Any], where: KeyPath, key: str) -> tuple[Check, ...]:
        items = raw.get(key) or []
        items = [items] if isinstance(items, str) else items
        if not isinstance(items, list):
            raise self.refuse(where + (key,), "must be a list of expressions")
        parse = functools.partial(Expression.parse, gate=key == "gate")
        return tuple(
            Check(self.read(where + (key, str(i)), parse, text), self.loaded.line(where + (key, str(i))))
            for i, text in enumerate(items)
        )

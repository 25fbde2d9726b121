"""`SweepSpec`: one sweep of a sweep file, checked; the keys a sweep file may hold."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..expressions import Expression
from ..ids import safe_name, short_names
from ..records import Metric
from ..space import Space, Values
from .early_terminate import EarlyTerminate
from .hydra_project import HydraProject, is_pointer
from .paths import overlay
from .rules import Regression, Resources

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
    early_terminate: EarlyTerminate | None = None
    sampler: str = "tpe"
    sampler_options: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    hydra: HydraProject | None = None  # a Hydra project's app: its task runs each trial
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

    def trial_hash(self, params: Mapping[str, Any]) -> str:
        """The result store's key of a trial with ``params``: its sweep, merged config and target (`config_hash`)."""
        return config_hash(overlay(self.config, params), self.reference, self.key)

    def line_of(self, key: str) -> int | None:
        """The line of a top-level key, else of the sweep."""
        return self.key_lines.get(key, self.line)

    @functools.cached_property
    def varying(self) -> list[str]:
        """The parameters a trial id names: those that can take more than one value."""
        fixed = {path for path, space in self.spaces.items() if isinstance(space, Values) and len(space.values) == 1}
        return [path for path in self.parameters if path not in fixed]

    @functools.cached_property
    def scales(self) -> dict[str, str]:
        """Each parameter's axis scale for plots: linear, log or categorical."""
        scales = {path: space.scale for path, space in self.spaces.items()}
        if self.repeat > 1:
            scales["seed"] = "categorical"
        return scales


def config_hash(config: Mapping[str, Any], reference: object, sweep: str) -> str:
    """Identity of a trial's work: its sweep, its merged config and what it runs (as written)."""
    text = json.dumps({"sweep": sweep, "config": config, "target": reference}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_sweep(data: Any) -> bool:
    """Whether a YAML document is a sweep: a mapping with a sweep key (ours or W&B's) or ``sweeps:``.

    A Hydra config is not, whatever keys it shares with sweeps (``seed:``, ``experiment:``).
    """
    if not isinstance(data, Mapping) or is_hydra_config(data):
        return False
    return is_pointer(data) or any(key in data for key in (*SWEEP_KEYS, *WANDB_KEYS, "sweeps"))


def is_hydra_config(data: Any) -> bool:
    """A Hydra config composes others through a ``defaults:`` list, which no sweep file has."""
    return isinstance(data, Mapping) and isinstance(data.get("defaults"), list)


def default_name(path: Path) -> str:
    """``sweep_lr.yaml`` and ``lr.sweep.yaml`` are both the sweep ``lr`` (made a plain word, as `name` is)."""
    stem = path.name.split(".")[0]
    return safe_name(stem.removeprefix("sweep_") or stem) or "sweep"

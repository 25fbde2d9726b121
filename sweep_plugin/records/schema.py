"""The trial record: one definition for the process that runs trials, the store and the report.

A record is a dict of JSON builtins (`Record`), so it rides on pytest's
reports across xdist and lands unchanged in pytest-json-report's per-test
``metadata`` and in the result store. It has two halves:

- the `Identity`: what the trial ran (sweep, id, node id, parameters, merged
  config, config hash), known the moment the trial starts;
- how it ended: outcome, message, metrics, history, duration, attempts.

`make_record` is the one place a record is built; `normalize_record` makes
one read back from a file safe to use. This module is pure Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict


class Outcome(StrEnum):
    """How a trial ended (SPEC section 5). Records hold its value, a plain string, as JSON does."""

    PASSED = "passed"
    FAILED = "failed"  # an expectation missed
    ERROR = "error"  # the experiment raised, or what it gave back cannot be used
    TIMEOUT = "timeout"
    CRASHED = "crashed"  # the process died, or the command exited non-zero
    PRUNED = "pruned"  # stopped early by early_terminate (shown as skipped)
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        """Whether the trial ran to the end and returned its metrics (passed or failed)."""
        return self in FINISHED


OUTCOMES = tuple(outcome.value for outcome in Outcome)
FINISHED = frozenset({Outcome.PASSED.value, Outcome.FAILED.value})  # plain strings, for pandas and SQL too

# A metric named like one of these is one to minimise, when nothing declares its goal.
_MINIMIZE_HINTS = ("loss", "error", "err", "mse", "mae", "rmse", "nll", "perplexity", "time", "latency")


class Goal(StrEnum):
    """Whether lower or higher values of a metric are better."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    @property
    def sign(self) -> float:
        """+1 where higher is better, -1 where lower is: ``sign * value`` is larger when better."""
        return 1.0 if self is Goal.MAXIMIZE else -1.0

    @property
    def arrow(self) -> str:
        """The direction of better values, for a plot's axis: ↓ or ↑."""
        return "\u2193" if self is Goal.MINIMIZE else "\u2191"

    def better(self, value: float, than: float) -> bool:
        """Whether ``value`` is strictly better than ``than``."""
        return self.sign * value > self.sign * than

    def best(self, values: Iterable[float]) -> float:
        """The best of ``values`` (not empty)."""
        return max(values, key=lambda value: self.sign * value)

    @classmethod
    def guess(cls, name: str) -> Goal:
        """The goal of a metric nothing declares one for: minimise what reads as a loss, error or cost.

        The one rule for every view of a sweep (the report, its trends), so a
        metric is never minimised in one and maximised in another.
        """
        lowered = name.lower()
        return cls.MINIMIZE if any(hint in lowered for hint in _MINIMIZE_HINTS) else cls.MAXIMIZE


GOALS = tuple(goal.value for goal in Goal)
DEFAULT_GOAL = Goal.MINIMIZE  # of a declared metric without a goal, as in W&B sweeps


@dataclass(frozen=True)
class Metric:
    """What "best" means: a metric name and whether lower or higher is better."""

    name: str
    goal: Goal = DEFAULT_GOAL
    is_guess: bool = field(default=False, compare=False)  # nothing declared it: named and aimed by `guessed`

    def __post_init__(self) -> None:
        object.__setattr__(self, "goal", Goal(self.goal))  # ``Metric("acc", "maximize")`` reads as it should

    @property
    def guess_note(self) -> str:
        """Why a guessed metric is the one, for the reader of "best": ``guessed: no metric declared; …``."""
        if not self.is_guess:
            return ""
        why = "reads as a loss, error or cost" if self.goal is Goal.MINIMIZE else "reads as no loss, error or cost"
        return f"guessed: no metric declared; {self.name}, the first reported, {self.goal.value}d as its name {why}"

    def better(self, value: float, than: float) -> bool:
        """Whether ``value`` beats ``than`` under this goal."""
        return self.goal.better(value, than)

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "goal": self.goal.value}

    @classmethod
    def guessed(cls, name: str) -> Metric:
        """A metric no sweep declares, with its goal guessed from its name (`Goal.guess`)."""
        return cls(name, Goal.guess(name), is_guess=True)

    @classmethod
    def from_field(cls, value: Any) -> Metric | None:
        """The ``metric`` field of a record (a name, or ``{name, goal}``), or None."""
        if isinstance(value, str) and value:
            return cls(value)
        if not isinstance(value, Mapping) or not value.get("name"):
            return None
        goal = str(value.get("goal", DEFAULT_GOAL)).lower()
        return cls(str(value["name"]), Goal(goal) if goal in GOALS else DEFAULT_GOAL)


class Identity(TypedDict):
    """What a trial runs: everything known about it when it starts."""

    sweep: str
    file: str
    trial: str
    nodeid: str
    params: dict[str, Any]  # flat dotted paths, as the trial ran with them
    config: dict[str, Any]  # the merged nested config
    hash: str  # the store's key: the sweep, the merged config and what it runs
    code: str  # a hash of the code the trial ran: the experiment's source file, or the command's program
    dir: str  # the trial's own folder, relative to the report folder (its sweep's folder first)
    metric: dict[str, str] | None  # the sweep's metric (the first objective)
    objectives: list[dict[str, str]]  # every objective of a multi-objective sweep, else empty
    scales: dict[str, str]  # parameter -> log, linear or categorical (for plots)


class Record(Identity):
    """A trial's identity and how it ended."""

    outcome: str  # an `Outcome`'s value: records hold JSON builtins only (they cross xdist's channel)
    message: str
    duration_s: float | None
    worker: str
    attempts: int
    resumed: bool
    carried: str  # not run in this session: when and in which session it ran, for a report of the whole sweep
    metrics: dict[str, float]
    history: list[dict[str, Any]]


MAX_TEXT = 10_000  # characters of a text (an exception's message, a command's stderr) kept in records and reports


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` whole, or its start and end around a note of how much was cut (a traceback's end matters too)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … [{len(text) - 2 * half:,} characters cut] … {text[-half:]}"


def bounded(value: Any) -> Any:
    """JSON data with every string `cut` to `MAX_TEXT` (pytest-json-report's, before it is published)."""
    if isinstance(value, str):
        return cut(value)
    if isinstance(value, dict):
        return {key: bounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [bounded(item) for item in value]
    return value


def make_record(
    identity: Identity,
    *,
    outcome: Outcome,
    message: str = "",
    metrics: Mapping[str, float] | None = None,
    history: list[dict[str, Any]] | None = None,
    duration_s: float | None = None,
    worker: str = "main",
    attempts: int = 1,
    resumed: bool = False,
    carried: str = "",
) -> Record:
    """The record of a trial that ended with ``outcome``."""
    return Record(
        **identity,
        outcome=Outcome(outcome).value,
        message=cut(message),
        duration_s=None if duration_s is None else round(duration_s, 6),
        worker=worker,
        attempts=attempts,
        resumed=resumed,
        carried=carried,
        metrics=dict(metrics or {}),
        history=list(history or []),
    )


def unknown_identity(nodeid: str, params: Mapping[str, Any] | None = None) -> Identity:
    """The identity of a trial that never told its own (its process died before it started)."""
    file, sweep, trial = parse_nodeid(nodeid)
    return Identity(
        sweep=sweep,
        file=file,
        trial=trial,
        nodeid=nodeid,
        params=dict(params or {}),
        config={},
        hash="",
        code="",
        dir="",
        metric=None,
        objectives=[],
        scales={},
    )


def parse_nodeid(nodeid: str) -> tuple[str, str, str]:
    """``path::name[trial]`` (maybe with an xdist ``@group``) as (path, name, trial)."""
    path, _, rest = nodeid.partition("::")
    match = re.fullmatch(r"(?P<name>[^\[]*)(?:\[(?P<trial>.*)\])?(?:@[^\]]*)?", rest, re.S)
    if not match:
        return path, rest, ""
    return path, match["name"].rpartition("::")[2], match["trial"] or ""


def normalize_record(meta: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Record:
    """A record with every field present and of its type, from one read back from a file.

    ``defaults`` fill in what ``meta`` lacks (the report takes them from the
    json-report test entry); the node id fills in sweep, file and trial.
    """
    defaults = defaults or {}
    nodeid = _text(meta.get("nodeid")) or _text(defaults.get("nodeid"))
    fallback = unknown_identity(nodeid)
    outcome = meta.get("outcome")
    if outcome not in OUTCOMES:
        outcome = defaults.get("outcome") if defaults.get("outcome") in OUTCOMES else "error"
    metric = Metric.from_field(meta.get("metric"))
    duration = meta.get("duration_s")
    return Record(
        sweep=_text(meta.get("sweep")) or fallback["sweep"] or "sweep",
        file=_text(meta.get("file")) or fallback["file"],
        trial=_text(meta.get("trial")) or fallback["trial"] or nodeid,
        nodeid=nodeid,
        params=_mapping(meta.get("params")),
        config=_mapping(meta.get("config")),
        hash=_text(meta.get("hash")),
        code=_text(meta.get("code")),
        dir=_text(meta.get("dir")),
        metric=metric.as_dict() if metric else None,
        objectives=[m.as_dict() for m in map(Metric.from_field, _list(meta.get("objectives"))) if m is not None],
        scales={str(k): str(v) for k, v in _mapping(meta.get("scales")).items()},
        outcome=str(outcome),
        message=cut(_text(meta.get("message")) or _text(defaults.get("message"))),
        duration_s=_number_or_none(duration if is_number(duration) else defaults.get("duration_s")),
        worker=_text(meta.get("worker")) or "main",
        attempts=meta["attempts"] if isinstance(meta.get("attempts"), int) else 1,
        resumed=meta.get("resumed") is True,
        carried=_text(meta.get("carried")),
        metrics=_mapping(meta.get("metrics")),
        history=_history(meta.get("history")),
    )


def sweep_key(record: Mapping[str, Any]) -> str:
    """``file::sweep``: the sweep a record belongs to, as node ids and Optuna studies name it."""
    return f"{record['file']}::{record['sweep']}"


def by_sweep(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Any]]:
    """Records grouped by (file, sweep), in first-seen order."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for record in records:
        groups.setdefault((record["file"], record["sweep"]), []).append(record)
    return groups


def is_number(value: Any) -> bool:
    """An int or float, bools excluded."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value: Any) -> float | None:
    """``value`` as a float if it is a finite number (bools excluded), else None."""
    if not is_number(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _number_or_none(value: Any) -> float | None:
    return float(value) if is_number(value) else None


def _history(value: Any) -> list[dict[str, Any]]:
    """The logged entries that are mappings (not copied: records are read-only here)."""
    if not isinstance(value, list):
        return []
    return [e if type(e) is dict else dict(e) for e in value if isinstance(e, Mapping)]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict with text keys (as JSON gives), else ``{}``."""
    if type(value) is dict:
        return value
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)

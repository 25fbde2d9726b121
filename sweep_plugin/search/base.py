"""The interface of a search method: how a sweep's trials get their parameters.

pytest-xdist needs every worker to collect the same items, so a method first
`plan`s the sweep's slots at collection: their ids, and their parameters
where the method knows them then (grid, random, Latin hypercube). When a
trial starts, the process that runs it asks the method what the slot runs
with (`start`), and when it ends tells the method how it went (`finish`):
an adaptive method decides parameters there instead.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SweepError, did_you_mean
from ..expressions import EvaluationError, param_names, quoting_hint
from ..ids import folder_names, trial_ids
from ..space import Point

if TYPE_CHECKING:
    from ..records import Record
    from ..spec import SweepSpec


@dataclass(frozen=True)
class Slot:
    """One trial as collected: its id, its parameters if known yet, its quick mark, its folder's name."""

    id: str
    params: dict[str, Any] | None  # None: the method decides when the trial starts
    quick: bool = False
    folder: str = ""  # default: made from the id (`plan` makes them for all slots at once)

    def __post_init__(self) -> None:
        if not self.folder:
            object.__setattr__(self, "folder", folder_names([self.id])[0])


@dataclass(frozen=True)
class SearchSettings:
    """What the built-in methods take from the session: its options, and where they run."""

    trials: int | None = None  # --sweep-trials: the budget of a sweep whose file gives none
    max_trials: int = 1_000_000  # --sweep-max-trials: the most trials one sweep may have
    storage: str = ""  # --sweep-storage: an Optuna RDB URL or a journal file ("": the report folder's)
    report_dir: Path = Path("reports")
    session: str = "session"  # this run's id, shared by its xdist workers
    worker: str = "main"  # this process among them
    resume: bool = False  # --sweep-resume
    study: str = ""  # --sweep-study: the name every session sharing an adaptive sweep's study gives it
    rerun_failed: bool = False  # --lf: a failed trial runs again with the parameters it had
    heartbeat: float = 30.0  # --sweep-heartbeat: seconds between this session's beats in an adaptive study


DEFAULT_TRIALS = 10  # a sampled sweep's budget when nothing gives one (W&B's agent would run until stopped)


def budget(spec: SweepSpec, settings: SearchSettings) -> int:
    """How many trials a sampled sweep runs: its ``trials`` (or W&B's ``run_cap``), else ``--sweep-trials``,
    else `DEFAULT_TRIALS` (and collection says so)."""
    return spec.trials or settings.trials or DEFAULT_TRIALS


def budget_notes(spec: SweepSpec, settings: SearchSettings) -> tuple[str, ...]:
    """What collection says when the budget is the default one."""
    if spec.trials or settings.trials:
        return ()
    return (f"{spec.key}: no budget given (trials, run_cap or --sweep-trials): {DEFAULT_TRIALS} trials",)


@dataclass(frozen=True)
class TrialPlan:
    """The slots of a sweep, and notes for the user about how they were made."""

    slots: list[Slot]
    notes: tuple[str, ...] = ()


class SearchMethod(ABC):
    """How the trials of one sweep get their parameters."""

    def __init__(self, spec: SweepSpec) -> None:
        self.spec = spec

    @abstractmethod
    def plan(self) -> TrialPlan:
        """The sweep's slots, at collection; the same on every process (xdist needs it)."""

    def start(self, slot: Slot) -> dict[str, Any]:
        """The parameters ``slot`` runs with, asked on the process that runs it as it starts."""
        if slot.params is None:
            raise NotImplementedError(f"{type(self).__name__} planned {slot.id} without parameters")
        return slot.params

    def finish(self, slot: Slot, record: Record) -> None:  # noqa: B027 - a hook with nothing to do by default
        """Hear how a trial ended (its record), on the process that ran it."""

    def pruner(self, slot: Slot) -> Callable[[int, dict[str, float]], None] | None:
        """A pruning point of its own for ``trial.log`` (raise `Pruned`), or None for ``early_terminate``'s."""
        return None

    def close(self) -> None:  # noqa: B027 - a hook with nothing to do by default
        """The session ends on this process: release what the method holds."""

    def resumable(self, slot: Slot) -> dict[str, Any] | None:
        """The parameters ``--sweep-resume`` looks up a stored result by, if the slot has them now."""
        return slot.params


class PlannedSearch(SearchMethod):
    """A method that knows every trial's parameters at collection (grid, random, Latin hypercube)."""

    def __init__(self, spec: SweepSpec, settings: SearchSettings | None = None) -> None:
        super().__init__(spec)
        self.settings = settings or SearchSettings()

    def size(self) -> tuple[int, str] | None:
        """How many configurations the sweep considers, before any is built, and how that number comes about.

        None where a method cannot tell before it builds them: then its points are counted once built.
        """
        return None

    @abstractmethod
    def points(self, accept: Callable[[Point], bool]) -> tuple[list[Point], tuple[str, ...]]:
        """The sweep's configurations that ``accept`` lets through, and notes on what it refused."""

    def plan(self) -> TrialPlan:
        spec = self.spec
        check_constraint_names(spec)
        size = self.size()
        if size is not None:
            self._check_size(*size)
        points, notes = self.points(constraint_filter(spec))
        if size is None:
            self._check_size(len(points), "its points")
        if spec.repeat > 1:
            points = [{**point, "seed": seed} for point in points for seed in range(spec.repeat)]
        ids = trial_ids(points, spec.varying)
        folders = folder_names(ids)
        slots = [
            Slot(trial_id, point, in_quick(spec, point), folder)
            for trial_id, folder, point in zip(ids, folders, points, strict=True)
        ]
        return TrialPlan(slots, notes)

    def _check_size(self, count: int, how: str) -> None:
        spec = self.spec
        how += f" x {spec.repeat} repeats" if spec.repeat > 1 else ""
        check_size(count * spec.repeat, how, self.settings, "parameters" if spec.method == "grid" else "trials")


def check_size(count: int, how: str, settings: SearchSettings, key: str) -> None:
    """Refuse, before anything is built, a sweep of more trials than ``--sweep-max-trials`` allows."""
    if count > settings.max_trials:
        raise SweepError(
            f"{count:,} trials ({how}) is over the limit of {settings.max_trials:,} a sweep may have: "
            "sample it (method: random or bayes, with trials: N), or raise --sweep-max-trials (sweep_max_trials)",
            key=key,
        )


def check_constraint_names(spec: SweepSpec) -> None:
    """Refuse a constraint that names something other than a parameter (bare or as ``param("...")``)."""
    known = set(spec.spaces) | {spec.short[path] for path in spec.spaces}
    for index, check in enumerate(spec.constraints):
        for read in check.expression.reads:
            if read.kind in ("metric", "baseline"):
                problem = f"{read}: a constraint is checked before its trial runs, so it reads parameters only"
                raise SweepError(problem, key=f"constraints.{index}")
            if read.name not in known:
                joined = check.expression.joined_name(read)
                hint = quoting_hint(joined, "param") if joined else did_you_mean(read.name, sorted(known))
                raise SweepError(f"{read.name!r} is not a parameter{hint}", key=f"constraints.{index}")


def constraint_filter(spec: SweepSpec) -> Callable[[Point], bool]:
    """Whether a configuration keeps every constraint of ``spec``."""
    if not spec.constraints:
        return lambda point: True

    def accept(point: Point) -> bool:
        names = param_names(point, spec.short)
        for index, check in enumerate(spec.constraints):
            try:
                if not check.expression.evaluate(names):
                    return False
            except EvaluationError as exc:
                raise SweepError(f"{check.expression.text!r}: {exc}", key=f"constraints.{index}") from None
        return True

    return accept


def in_quick(spec: SweepSpec, point: Mapping[str, Any]) -> bool:
    """Whether a configuration is inside the sweep's ``quick`` subset."""
    if isinstance(spec.quick, bool | int) or spec.quick is None:
        return bool(spec.quick)
    return all(point.get(path) in values for path, values in spec.quick.items())

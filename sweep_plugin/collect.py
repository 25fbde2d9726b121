"""Collection: a sweep file becomes a `SweepFile`, each of its trials a `TrialItem`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import runner
from .command import check_command, run_command
from .config import overlay, with_params
from .errors import SweepError
from .ids import short_names
from .pruning import STEPS, Pruner
from .runner import ExpectationFailed, call_experiment, load_experiment, missed_expectations
from .settings import RUN, SETTINGS, Settings
from .spec import SweepSpec, load_sweep_file
from .store import config_hash
from .trial import Trial
from .trials import TrialSpec, namespace, plan_trials, removed_message

NOTES = pytest.StashKey[list[str]]()


class SweepWarning(pytest.PytestWarning):
    """A sweep file key that does not apply here (e.g. a W&B-only key)."""


@dataclass
class SweepRun:
    """What every trial of one sweep shares, built once at collection."""

    spec: SweepSpec
    settings: Settings
    marks: tuple[pytest.MarkDecorator, ...]
    experiment: Any = None
    asked: tuple[str, ...] = ()
    short: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.short = short_names([*self.spec.spaces, "seed"])

    def check(self, trial: TrialSpec, metrics: Mapping[str, float]) -> None:
        """Raise `ExpectationFailed` listing every ``expect`` the trial missed."""
        missed = missed_expectations(self.spec.expect, self.names(trial, metrics), self.spec.display)
        if missed:
            raise ExpectationFailed(missed, trial.params)

    @property
    def target(self) -> object:
        """What a trial runs, for its config hash: the experiment or the command."""
        return self.spec.experiment or self.spec.command

    def digest(self, trial: TrialSpec) -> str:
        """The hash under which the store keeps this trial's result."""
        return config_hash(overlay(self.spec.config, trial.params), self.target)

    def resumed_record(self, trial: TrialSpec, nodeid: str, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored result as this trial's record, judged by today's ``expect``."""
        missed = missed_expectations(self.spec.expect, self.names(trial, stored.get("metrics", {})), self.spec.display)
        return {
            **stored,
            "sweep": self.spec.name,
            "file": self.spec.display,
            "trial": trial.id,
            "nodeid": nodeid,
            "outcome": "failed" if missed else "passed",
            "message": "\n".join(missed),
            "resumed": True,
        }

    def names(self, trial: TrialSpec, metrics: Mapping[str, float]) -> dict[str, Any]:
        """What ``expect`` may read: parameters, metrics and ``baseline.<metric>``."""
        names = namespace(trial.params, self.short)
        baseline = self.settings.baseline.get((self.spec.name, trial.id), {})
        names.update({f"baseline.{name}": value for name, value in baseline.items()})
        names.update(metrics)
        return names


def display_path(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)


class SweepFile(pytest.File):
    """A sweep YAML file; a `pytest.File`, so ``--lf`` can skip it whole."""

    def collect(self) -> Iterator[TrialItem]:
        settings = self.config.stash[SETTINGS]
        display = display_path(self.path, settings.rootdir)
        try:
            for spec in load_sweep_file(self.path, display):
                yield from self._collect_sweep(spec, settings)
        except SweepError as exc:
            raise self.CollectError(str(exc)) from None

    def _collect_sweep(self, spec: SweepSpec, settings: Settings) -> Iterator[TrialItem]:
        for warning in spec.warnings:
            self.warn(SweepWarning(f"{spec.display}: {warning}"))
        try:
            plan = plan_trials(spec)
            experiment, asked = self._experiment(spec, settings)
        except SweepError as exc:
            raise exc.located(spec.display, spec.line) from None
        if plan.removed:
            self.config.stash.setdefault(NOTES, []).append(removed_message(spec, plan))
        run = SweepRun(spec, settings, sweep_marks(spec, settings, self.config), experiment, asked)
        for trial in plan.trials:
            name = f"{spec.name}[{trial.id}]"
            # The node id is given as a string so that pytest parses ``[trial id]`` as the
            # parameters (pytest >= 9.2 compares structured ids: this keeps --lf working).
            yield TrialItem.from_parent(self, name=name, nodeid=f"{self.nodeid}::{name}", run=run, trial=trial)

    def _experiment(self, spec: SweepSpec, settings: Settings) -> tuple[Any, tuple[str, ...]]:
        if spec.command is not None:
            check_command(spec.command, spec)
            return None, ()
        if spec.experiment is None:
            raise SweepError("give `experiment: module:function` (or `command:`) to say what a trial runs")
        return load_experiment(spec.experiment, [spec.file.parent, settings.rootdir])


def sweep_marks(spec: SweepSpec, settings: Settings, config: pytest.Config) -> tuple[pytest.MarkDecorator, ...]:
    """The marks every trial of ``spec`` carries; ``quick`` is added per trial."""
    marks = [pytest.mark.full, *(getattr(pytest.mark, name) for name in spec.marks)]
    timeout = spec.timeout or settings.timeout
    if timeout and config.pluginmanager.hasplugin("timeout"):
        marks.append(pytest.mark.timeout(timeout))
    if spec.retries and config.pluginmanager.hasplugin("rerunfailures"):
        marks.append(pytest.mark.flaky(reruns=spec.retries, rerun_except=[ExpectationFailed]))
    return tuple(marks)


class TrialItem(pytest.Item):
    """One trial of a sweep: runs the experiment, then checks the expectations."""

    def __init__(self, *, run: SweepRun, trial: TrialSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run
        self.trial = trial
        self.sweep_trial: Trial | None = None
        self.merged_config: dict[str, Any] = {}
        for mark in run.marks:
            self.add_marker(mark)
        if trial.quick:
            self.add_marker(pytest.mark.quick)

    def runtest(self) -> None:
        __tracebackhide__ = True
        spec, trial = self.run.spec, self.trial
        directory = self.run.settings.trial_dir(spec.name, trial.id)
        self.sweep_trial = handle = Trial(
            sweep=spec.name, trial_id=trial.id, params=trial.params, directory=directory, on_log=self._pruner()
        )
        self.merged_config = config = with_params(spec.config, trial.params)
        if spec.command is not None:
            run_command(spec.command, config, handle, cwd=spec.file.parent)
        else:
            handle.finish(call_experiment(self.run.experiment, self.run.asked, config, handle))
        self.run.check(trial, handle.metrics)

    def _pruner(self) -> Pruner | None:
        spec = self.run.spec
        if not (spec.early_terminate and spec.metric):
            return None
        session = self.config.stash[RUN].session
        return Pruner(spec.early_terminate, spec.metric, self.config.stash[STEPS], session, spec.name, self.trial.id)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Show the experiment's own traceback, from its first frame on."""
        entries = excinfo.traceback
        calls = [i for i, entry in enumerate(entries) if entry.frame.code.name == runner.call_experiment.__name__]
        if calls:
            excinfo.traceback = entries[calls[-1] + 1 :]
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.run.spec.line
        return self.path, (line - 1 if line else None), self.name

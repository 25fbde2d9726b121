"""A sweep prepared for pytest: its search method, marks and target, shared by all its trials.

Both kinds of trial items are made from a `SweepRun`: the items of a sweep
file (`collect.py`) and the parametrized cases of a test marked
``@pytest.mark.sweep`` (`sweepmark.py`). Each item carries a `TrialCase`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from .command import Command, check_command, program_file
from .errors import SweepError
from .experiment import load_experiment
from .ids import file_digest, sweep_folders
from .outcomes import ExpectationFailed
from .search import no_such_method

if TYPE_CHECKING:
    from .search import SearchMethod, Slot, TrialPlan
    from .settings import Settings
    from .spec import SweepSpec
    from .trial import Trial

CASE_ARGUMENT = "_sweep_case"  # what a marked test is parametrized over


class Target(Protocol):
    """What a trial runs: an `Experiment` or a `Command`."""

    @property
    def reference(self) -> str | tuple[str, ...]: ...

    @property
    def code(self) -> str: ...

    def run(self, config: dict[str, Any], trial: Trial) -> None: ...


@dataclass
class SweepRun:
    """What every trial of one sweep shares, prepared once at collection."""

    spec: SweepSpec
    owner: str  # what its node ids start with: ``sweep_lr.yaml::lr``, or a marked test's ``test_x.py::test_fit``
    method: SearchMethod
    plan: TrialPlan
    marks: tuple[pytest.MarkDecorator, ...]
    target: Target | None  # None for a marked test: its body is what runs
    report_dir: Path
    folder: str = ""  # its folder in the report, once collection knows every sweep (`assign_folders`)

    def trial_folder(self, slot: Slot) -> str:
        """Where one trial's artifacts go, relative to the report folder."""
        return f"{self.folder or self.spec.name}/trials/{slot.folder}"


def assign_folders(runs: Iterable[SweepRun]) -> None:
    """Give every sweep of the session its report folder: its name, with a hash where names clash."""
    runs = list(runs)
    folders = sweep_folders([(run.spec.name, run.owner) for run in runs])
    for run in runs:
        run.folder = folders[(run.spec.name, run.owner)]


@dataclass(frozen=True)
class TrialCase:
    """One trial as collected: the sweep it belongs to and its slot."""

    sweep: SweepRun
    slot: Slot


def case_of(item: pytest.Item) -> TrialCase | None:
    """The trial an item runs (a sweep file's trial or a marked test's), or None."""
    case = getattr(item, "sweep_case", None)
    if case is None:
        callspec = getattr(item, "callspec", None)
        case = callspec.params.get(CASE_ARGUMENT) if callspec is not None else None
    return case if isinstance(case, TrialCase) else None


def prepare_sweep(
    spec: SweepSpec, owner: str, config: pytest.Config, settings: Settings, *, with_target: bool
) -> SweepRun:
    """The search method, plan, marks and (for a sweep file) target of ``spec``; `SweepError` if bad."""
    method = search_method(spec, config)
    plan = method.plan()
    target = load_target(spec, settings.rootdir) if with_target else None
    return SweepRun(spec, owner, method, plan, sweep_marks(spec, settings, config), target, settings.report_dir)


def search_method(spec: SweepSpec, config: pytest.Config) -> SearchMethod:
    """The method that plugins (ours first-registered, so last asked) give for ``spec.method``."""
    method: SearchMethod | None = config.hook.pytest_sweep_search_method(spec=spec, config=config)
    if method is None:
        raise no_such_method(spec.method)
    return method


def load_target(spec: SweepSpec, rootdir: Path) -> Target:
    """What each trial of a sweep file runs: its experiment function or its command."""
    if spec.command is not None:
        check_command(spec.command, spec)
        folder = program_folder(spec, rootdir)
        program = folder / spec.program if spec.program else program_file(spec.command, folder)
        code = file_digest(program)
        return Command(spec.command, folder, code, spec.program, spec.nested, spec.key)
    if spec.experiment is None:
        raise SweepError("give `experiment: module:function` (or `command:`) to say what a trial runs")
    return load_experiment(spec.experiment, [spec.file.parent, rootdir])


def program_folder(spec: SweepSpec, rootdir: Path) -> Path:
    """Where a command runs: the sweep file's folder, or the rootdir where W&B's ``program`` lies there.

    W&B's agent runs ``program`` from where it was started, usually the
    project's root; a sweep file elsewhere (``sweeps/lr.yaml``) names it
    from there.
    """
    here = spec.file.parent
    if spec.program is None or (here / spec.program).exists() or not (rootdir / spec.program).exists():
        return here
    return rootdir


def sweep_marks(spec: SweepSpec, settings: Settings, config: pytest.Config) -> tuple[pytest.MarkDecorator, ...]:
    """The marks every trial of ``spec`` carries; ``quick`` is added per trial."""
    marks = [pytest.mark.full, *(getattr(pytest.mark, name) for name in spec.marks)]
    timeout = spec.timeout or settings.timeout
    if timeout and config.pluginmanager.hasplugin("timeout"):
        marks.append(pytest.mark.timeout(timeout))
    if spec.retries and config.pluginmanager.hasplugin("rerunfailures"):
        marks.append(pytest.mark.flaky(reruns=spec.retries, rerun_except=[ExpectationFailed]))
    return tuple(marks)


def slot_marks(run: SweepRun, slot: Slot) -> tuple[pytest.MarkDecorator, ...]:
    """The marks of one trial: the sweep's, and ``quick`` inside the quick subset."""
    return (*run.marks, pytest.mark.quick) if slot.quick else run.marks

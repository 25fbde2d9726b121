"""A sweep prepared to run: its search method, plan and target, shared by all its trials.

Both kinds of trial items are made from a `SweepRun` (`sweep_plugin.collection`):
the items of a sweep file and the parametrized cases of a test marked
``@pytest.mark.sweep``. Each item carries a `TrialCase`: its sweep and slot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import SweepError
from ..ids import file_digest, sweep_folders
from .command import Command, check_command, check_program, program_file
from .experiment import load_experiment

if TYPE_CHECKING:
    from ..search import SearchMethod, Slot, TrialPlan
    from ..spec import SweepSpec
    from ..trial import Trial


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
    target: Target | None  # None for a marked test: its body is what runs
    report_dir: Path
    folder: str = ""  # its folder in the report, once collection knows every sweep (`assign_folders`)

    def trial_folder(self, slot: Slot) -> str:
        """Where one trial's artifacts go, relative to the report folder."""
        return f"{self.folder or self.spec.name}/trials/{slot.folder}"


@dataclass(frozen=True)
class TrialCase:
    """One trial as collected: the sweep it belongs to and its slot."""

    sweep: SweepRun
    slot: Slot


def assign_folders(runs: Iterable[SweepRun]) -> None:
    """Give every sweep of the session its report folder: its name, with a hash where names clash."""
    runs = list(runs)
    folders = sweep_folders([(run.spec.name, run.owner) for run in runs])
    for run in runs:
        run.folder = folders[(run.spec.name, run.owner)]


def load_target(spec: SweepSpec, rootdir: Path, importlib_mode: bool = False) -> Target:
    """What each trial of a sweep file runs: its experiment function (imported as pytest's ``--import-mode``
    imports test modules) or its command."""
    if spec.command is not None:
        check_command(spec.command, spec)
        folder = program_folder(spec, rootdir)
        check_program(spec.command, folder, spec.program)
        program = folder / spec.program if spec.program else program_file(spec.command, folder)
        code = file_digest(program)
        return Command(spec.command, folder, code, spec.program, spec.nested, spec.key)
    if spec.hydra is not None:
        from .hydra_app import load_hydra_app  # Hydra is imported only for a Hydra project

        assert spec.experiment is not None
        return load_hydra_app(spec.hydra, [metric.name for metric in spec.objectives], spec.experiment)
    if spec.experiment is None:
        raise SweepError("give `experiment: module:function` (or `command:`) to say what a trial runs")
    return load_experiment(spec.experiment, [spec.file.parent, rootdir], rootdir if importlib_mode else None)


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

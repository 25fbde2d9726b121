"""``@pytest.mark.sweep("sweep_x.yaml")``: a Python test parametrized over a sweep's trials."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .collect import SweepRun, display_path, sweep_marks
from .config import with_params
from .errors import SweepError
from .settings import Settings
from .spec import SweepSpec, load_sweep_file
from .trial import Trial
from .trials import TrialSpec, plan_trials

ARGUMENT = "_sweep_case"


@dataclass(frozen=True)
class SweepCase:
    """One trial of a marked test: the sweep it belongs to and its parameters."""

    run: SweepRun
    trial: TrialSpec

    def new_trial(self) -> Trial:
        spec = self.run.spec
        directory = self.run.settings.trial_dir(spec.name, self.trial.id)
        return Trial(sweep=spec.name, trial_id=self.trial.id, params=self.trial.params, directory=directory)

    def merged_config(self) -> dict[str, Any]:
        return with_params(self.run.spec.config, self.trial.params)


def sweep_case(item: pytest.Item) -> SweepCase | None:
    """The `SweepCase` of a marked test's item, or None for any other item."""
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get(ARGUMENT) if callspec is not None else None
    return case if isinstance(case, SweepCase) else None


def parametrize_sweep(metafunc: pytest.Metafunc, marker: pytest.Mark, settings: Settings) -> None:
    """Parametrize ``metafunc`` over the trials of the marker's sweep file."""
    where = f"{metafunc.definition.nodeid}: @pytest.mark.sweep"
    if not marker.args or not isinstance(marker.args[0], str | Path):
        pytest.fail(f"{where} needs the path of a sweep file", pytrace=False)
    if ARGUMENT not in metafunc.fixturenames:
        pytest.fail(f"{where}: the test must ask for config, params or trial", pytrace=False)
    try:
        spec = _pick(_load(Path(marker.args[0]), metafunc, settings), marker.kwargs.get("name"))
        trials = plan_trials(spec).trials
    except SweepError as exc:
        pytest.fail(f"{where}: {exc}", pytrace=False)
    marks = sweep_marks(spec, settings, metafunc.config)
    run = SweepRun(spec, settings, marks)
    quick = (*marks, pytest.mark.quick)
    cases = [pytest.param(SweepCase(run, t), id=t.id, marks=quick if t.quick else marks) for t in trials]
    metafunc.parametrize(ARGUMENT, cases)


def _load(path: Path, metafunc: pytest.Metafunc, settings: Settings) -> list[SweepSpec]:
    if not path.is_absolute():
        beside_test = Path(metafunc.definition.path).parent / path
        path = beside_test if beside_test.exists() else settings.rootdir / path
    return load_sweep_file(path, display_path(path, settings.rootdir))


def _pick(specs: list[SweepSpec], name: str | None) -> SweepSpec:
    if name is None:
        if len(specs) > 1:
            raise SweepError(f"the file holds {len(specs)} sweeps; pick one with name=")
        return specs[0]
    for spec in specs:
        if spec.name == name:
            return spec
    raise SweepError(f"no sweep named {name!r} (have: {', '.join(s.name for s in specs)})")


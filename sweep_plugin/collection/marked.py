"""``@pytest.mark.sweep("sweep_x.yaml")``: a Python test parametrized over a sweep's trials."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..errors import SweepError
from ..running import TrialCase
from ..settings import Settings
from ..spec import SweepSpec, load_sweep_file
from .files import display_path
from .prepare import CASE_ARGUMENT, prepare_sweep, slot_marks


def parametrize_sweep(metafunc: pytest.Metafunc, marker: pytest.Mark, settings: Settings, notes: list[str]) -> None:
    """Parametrize ``metafunc`` over the trials of the marker's sweep file."""
    where = f"{metafunc.definition.nodeid}: @pytest.mark.sweep"
    if not marker.args or not isinstance(marker.args[0], str | Path):
        pytest.fail(f"{where} needs the path of a sweep file", pytrace=False)
    if CASE_ARGUMENT not in metafunc.fixturenames:
        pytest.fail(f"{where}: the test must ask for sweep_config, sweep_params or sweep_trial", pytrace=False)
    try:
        spec = _pick(_load(Path(marker.args[0]), metafunc, settings.rootdir), marker.kwargs.get("name"))
        run, marks = prepare_sweep(spec, metafunc.definition.nodeid, metafunc.config, settings, with_target=False)
    except SweepError as exc:
        pytest.fail(f"{where}: {exc}", pytrace=False)
    notes.extend(run.plan.notes)
    cases = [pytest.param(TrialCase(run, slot), id=slot.id, marks=slot_marks(marks, slot)) for slot in run.plan.slots]
    metafunc.parametrize(CASE_ARGUMENT, cases)


def _load(path: Path, metafunc: pytest.Metafunc, rootdir: Path) -> list[SweepSpec]:
    if not path.is_absolute():
        beside_test = Path(metafunc.definition.path).parent / path
        path = beside_test if beside_test.exists() else rootdir / path
    return load_sweep_file(path, display_path(path, rootdir))


def _pick(specs: list[SweepSpec], name: str | None) -> SweepSpec:
    if name is None:
        if len(specs) > 1:
            raise SweepError(f"the file holds {len(specs)} sweeps; pick one with name=")
        return specs[0]
    for spec in specs:
        if spec.name == name:
            return spec
    raise SweepError(f"no sweep named {name!r} (have: {', '.join(s.name for s in specs)})")

"""The pytest plugin: options, markers and roles, wired to plain functions.

Roles follow pytest-xdist: `SweepWorker` runs on every process that runs
trials (and builds their records); `SweepController` runs where results
are gathered (the only process without xdist, the controller with it) and
writes the report. Without sweep files both stay silent.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest

from .collect import SETTINGS, SweepFile
from .controller import SweepController
from .settings import RUN, add_options, read_run, read_settings
from .sweepmark import SweepCase, parametrize_sweep
from .trial import Trial
from .worker import SweepWorker

MARKERS = (
    "full: every trial of a sweep (the nightly sweep: pytest -m full)",
    "quick: trials inside a sweep's quick subset (the CI gate: pytest -m quick)",
    "sweep(path, name=None): parametrize a test over the trials of a sweep file;"
    " the test may ask for the fixtures config, params and trial",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--sweep-*`` options and ``sweep_*`` ini keys (all roles)."""
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Read the settings once and register the roles this process plays."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    settings = read_settings(config)
    config.stash[SETTINGS] = settings
    config.stash[RUN] = read_run(config)
    is_worker = hasattr(config, "workerinput")
    distributing = not is_worker and bool(getattr(config.option, "numprocesses", None))
    if not distributing or is_worker:
        config.pluginmanager.register(SweepWorker(config, settings), "sweep-worker")
    if not is_worker:
        config.pluginmanager.register(SweepController(config, settings), "sweep-controller")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SweepFile | None:
    """Collect files that match the sweep patterns (every collecting process)."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    patterns = parent.config.stash[SETTINGS].patterns
    if any(fnmatch.fnmatch(file_path.name, pattern) for pattern in patterns):
        return SweepFile.from_parent(parent, path=file_path)
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize tests marked ``@pytest.mark.sweep(path)`` over the sweep's trials."""
    marker = metafunc.definition.get_closest_marker("sweep")
    if marker is not None:
        parametrize_sweep(metafunc, marker, metafunc.config.stash[SETTINGS])


@pytest.fixture
def _sweep_case() -> SweepCase:
    """Replaced by the trial of a ``@pytest.mark.sweep`` test through parametrization."""
    pytest.fail("config, params and trial need @pytest.mark.sweep('sweep_x.yaml') on the test", pytrace=False)


@pytest.fixture
def trial(_sweep_case: SweepCase, request: pytest.FixtureRequest) -> Trial:
    """The running trial of a ``@pytest.mark.sweep`` test: ``log``, ``params``, ``dir``."""
    handle = _sweep_case.new_trial()
    request.node.sweep_trial = handle
    return handle


@pytest.fixture
def config(_sweep_case: SweepCase, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The merged nested config of the trial of a ``@pytest.mark.sweep`` test."""
    merged = _sweep_case.merged_config()
    request.node.merged_config = merged
    return merged


@pytest.fixture
def params(_sweep_case: SweepCase) -> dict[str, Any]:
    """The flat dotted parameters of the trial of a ``@pytest.mark.sweep`` test."""
    return dict(_sweep_case.trial.params)

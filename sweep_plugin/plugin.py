"""The pytest plugin: options, markers and the roles, wired to plain modules.

Roles follow pytest-xdist: `SweepWorker` runs on every process that runs
trials (and builds their records); `SweepController` runs where results
are gathered (the only process without xdist, the controller with it) and
writes the report. Both are registered only once a sweep shows up, and
the heavy modules are imported only then: a project without sweep files
pays for a few hook calls and nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .settings import RUN, SETTINGS, add_options, read_run, read_settings

if TYPE_CHECKING:
    from .collect import SweepFile
    from .sweepmark import SweepCase
    from .trial import Trial

MARKERS = (
    "full: every trial of a sweep (the nightly sweep: pytest -m full)",
    "quick: trials inside a sweep's quick subset (the CI gate: pytest -m quick)",
    "sweep(path, name=None): parametrize a test over the trials of a sweep file;"
    " the test may ask for the fixtures config, params and trial",
)
WORKER, CONTROLLER = "sweep-worker", "sweep-controller"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--sweep-*`` options and ``sweep_*`` ini keys (all roles)."""
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and read the settings once (every process)."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    config.stash[SETTINGS] = read_settings(config)
    config.stash[RUN] = read_run(config)


def activate(config: pytest.Config) -> None:
    """Register the roles this process plays, the first time a sweep shows up."""
    from .controller import SweepController
    from .worker import SweepWorker

    manager, settings = config.pluginmanager, config.stash[SETTINGS]
    is_worker = hasattr(config, "workerinput")
    distributing = not is_worker and bool(getattr(config.option, "numprocesses", None))
    if not manager.has_plugin(WORKER) and (is_worker or not distributing):
        manager.register(SweepWorker(config, settings), WORKER)
    if not manager.has_plugin(CONTROLLER) and not is_worker:
        manager.register(SweepController(config, settings), CONTROLLER)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SweepFile | None:
    """Collect files that match the sweep patterns (every collecting process)."""
    if file_path.suffix not in (".yaml", ".yml") or not parent.config.stash[SETTINGS].is_sweep_file(file_path.name):
        return None
    from .collect import SweepFile

    activate(parent.config)
    return SweepFile.from_parent(parent, path=file_path)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize tests marked ``@pytest.mark.sweep(path)`` over the sweep's trials."""
    marker = metafunc.definition.get_closest_marker("sweep")
    if marker is not None:
        from .sweepmark import parametrize_sweep

        activate(metafunc.config)
        parametrize_sweep(metafunc, marker, metafunc.config.stash[SETTINGS])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give each xdist worker the run's id and start time, so they agree on resume (controller)."""
    run = node.config.stash[RUN]
    node.workerinput["sweep_session"] = run.session
    node.workerinput["sweep_started"] = run.started


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under xdist the controller collects nothing: a worker's ids say whether sweeps run."""
    config = node.config
    if any(config.stash[SETTINGS].is_sweep_file(nodeid) for nodeid in ids):
        activate(config)
        config.pluginmanager.get_plugin(CONTROLLER).trials_found_now()


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

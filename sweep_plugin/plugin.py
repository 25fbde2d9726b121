"""The pytest plugin: options, markers, hooks and fixtures, wired to plain functions and the roles.

Roles follow pytest-xdist: `SweepWorker` runs on every process that runs
trials (and builds their records); the controller's parts run where results
are gathered (the only process without xdist, the controller with it) and
write the report. Without xdist both are registered once a sweep shows up
in collection, and the heavy modules are imported only then: a project
without sweep files pays for a few hook calls and nothing else. An xdist
controller collects nothing, so it gets its role at configure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .roles.context import CONTEXT, SweepContext, sweep_context
from .settings import add_options, read_run, read_settings

if TYPE_CHECKING:
    from .collection import SweepFile
    from .records import Record
    from .running import TrialCase, TrialRun
    from .search import SearchMethod
    from .spec import SweepSpec
    from .trial import Trial

MARKERS = (
    "full: every trial of a sweep (the nightly sweep: pytest -m full)",
    "quick: trials inside a sweep's quick subset (the CI gate: pytest -m quick)",
    "sweep(path, name=None): parametrize a test over the trials of a sweep file;"
    " the test may ask for the fixtures sweep_config, sweep_params and sweep_trial",
)
WORKER, CONTROLLER = "sweep-worker", "sweep-trial-log"  # the controller is known by its first part


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--sweep-*`` options and ``sweep_*`` ini keys (all roles)."""
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the ``pytest_sweep_*`` hook specifications (all roles)."""
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and read the settings once (every process)."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    context = config.stash[CONTEXT] = SweepContext(read_settings(config), read_run(config))
    if context.settings.sets:
        _check_sets(context.settings.sets)
    if not hasattr(config, "workerinput") and context.settings.report:
        from .roles import jsonreport

        if context.settings.report_dir_given:  # a folder named for sweeps: refused before any trial runs
            _check_report_folder(context.settings.report_dir)
        jsonreport.wait_for_trials(config)


def _check_sets(sets: tuple[str, ...]) -> None:
    """A ``--sweep-set`` that does not read is a usage error before anything is collected."""
    from .errors import SweepError
    from .spec import parse_sets

    try:
        parse_sets(sets)
    except SweepError as exc:
        raise pytest.UsageError(f"--sweep-set {exc.message}") from None


def _check_report_folder(report_dir: Path) -> None:
    """A report folder that holds someone else's files is a usage error (the report would remove its own there)."""
    from .report.folder import ReportFolderRefused, check_folder

    try:
        check_folder(report_dir)
    except ReportFolderRefused as exc:
        raise pytest.UsageError(f"--sweep-report-dir: {exc}") from None


def pytest_sessionstart(session: pytest.Session) -> None:
    """An xdist controller collects nothing: it takes its role now, to hear the workers' trials."""
    if session.config.pluginmanager.has_plugin("dsession"):
        activate(session.config)


def activate(config: pytest.Config) -> None:
    """Register the roles this process plays, the first time a sweep shows up."""
    from .roles import SweepWorker, controller_parts

    manager, context = config.pluginmanager, sweep_context(config)
    is_worker = hasattr(config, "workerinput")
    distributing = manager.has_plugin("dsession")
    if not manager.has_plugin(WORKER) and not distributing:
        manager.register(SweepWorker(config, context), WORKER)
    if not manager.has_plugin(CONTROLLER) and not is_worker:
        for name, part in controller_parts(config, context).items():
            manager.register(part, name)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SweepFile | None:
    """Collect files that match the sweep patterns, or that the command line names (every collecting process).

    As for Python test files, a file named on the command line is collected
    whatever its name: ``pytest sweep.yaml`` runs W&B's usual file name.
    """
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    context = sweep_context(parent.config)
    if not context.settings.is_sweep_file(file_path.name) and not parent.session.isinitpath(file_path):
        _note_if_a_sweep(file_path, parent.config)
        return None
    from .collection import SweepFile

    activate(parent.config)
    return SweepFile.from_parent(parent, path=file_path, settings=context.settings, notes=context.notes)


def _note_if_a_sweep(file_path: Path, config: pytest.Config) -> None:
    """A YAML file the sweep patterns skip that looks like a sweep is mentioned, once: it would be invisible."""
    from .sniff import uncollected_sweep  # reads text only, and imports nothing of the plugin's

    keys = uncollected_sweep(file_path)
    if keys is None:
        return
    activate(config)
    shown = os.path.relpath(file_path, config.rootpath)
    sweep_context(config).notes.append(
        f"not collected: {shown} looks like a sweep file ({', '.join(keys)}): rename it sweep_{file_path.name}"
        " or add it to sweep_files, or name it on the command line"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize tests marked ``@pytest.mark.sweep(path)`` over the sweep's trials."""
    marker = metafunc.definition.get_closest_marker("sweep")
    if marker is not None:
        from .collection import parametrize_sweep

        activate(metafunc.config)
        context = sweep_context(metafunc.config)
        parametrize_sweep(metafunc, marker, context.settings, context.notes)


@pytest.hookimpl(trylast=True)
def pytest_sweep_search_method(spec: SweepSpec, config: pytest.Config) -> SearchMethod | None:
    """The built-in search methods: grid, random, lhs, bayes."""
    from .roles import worker_id
    from .search import SearchSettings, builtin_method

    context = sweep_context(config)
    settings = context.settings
    return builtin_method(
        spec,
        SearchSettings(
            trials=settings.trials,
            max_trials=settings.max_trials,
            storage=settings.storage,
            report_dir=settings.report_dir,
            session=context.run.session,
            worker=worker_id(config),
            resume=settings.resume,
            study=settings.study,
            rerun_failed=bool(getattr(config.option, "lf", False)),
            heartbeat=settings.heartbeat,
        ),
    )


@pytest.hookimpl(trylast=True)
def pytest_sweep_finish(records: list[Record], config: pytest.Config) -> None:
    """Fail, in adaptive sweeps' studies, the trials whose worker died (controller, after the session)."""
    from .errors import warn_about
    from .records import Outcome, sweep_key

    crashed = {sweep_key(record) for record in records if record["outcome"] == Outcome.CRASHED}
    if not crashed:
        return
    from .search.bayes import fail_orphans

    context = sweep_context(config)
    settings = context.settings
    problem = fail_orphans(crashed, settings.storage, settings.report_dir, context.run.session)
    if problem:
        warn_about(settings.report_dir, problem)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` for a run of sweeps: as many workers as the CPUs, free memory and GPUs allow their trials.

    Without sweep files among the paths pytest was given, or with xdist's own
    ``PYTEST_XDIST_AUTO_NUM_WORKERS`` set, xdist decides as usual.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    from .collection import sweep_resources
    from .roles.devices import auto_workers, cpu_count, find_devices, free_memory_gb
    from .settings import gpus_option

    needs = sweep_resources(
        config.args,
        config.invocation_params.dir,
        str(config.getini("sweep_files")).split(),
        [str(glob) for glob in config.getini("norecursedirs")],
    )
    if needs is None:
        return None
    devices = find_devices(gpus_option(config)) if any(need.gpus for need in needs) else []
    return auto_workers(cpu_count(), free_memory_gb(), len(devices), needs)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Give each xdist worker the run's id and start time, so they agree on resume (controller)."""
    run = sweep_context(node.config).run
    node.workerinput["sweep_session"] = run.session
    node.workerinput["sweep_started"] = run.started


@pytest.fixture
def _sweep_case() -> TrialCase:
    """Replaced by the trial of a ``@pytest.mark.sweep`` test through parametrization."""
    pytest.fail(
        "sweep_config, sweep_params and sweep_trial need @pytest.mark.sweep('sweep_x.yaml') on the test",
        pytrace=False,
    )


def _trial_run(request: pytest.FixtureRequest) -> TrialRun:
    from .running import started

    run = started(request.node)
    assert run is not None, "the sweep worker starts every trial before its fixtures"
    return run


@pytest.fixture
def sweep_trial(_sweep_case: TrialCase, request: pytest.FixtureRequest) -> Trial:
    """The running trial of a ``@pytest.mark.sweep`` test: ``log``, ``params``, ``dir``."""
    return _trial_run(request).handle


@pytest.fixture
def sweep_config(_sweep_case: TrialCase, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The merged nested config of the trial of a ``@pytest.mark.sweep`` test."""
    return _trial_run(request).config_copy()


@pytest.fixture
def sweep_params(_sweep_case: TrialCase, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The flat dotted parameters of the trial of a ``@pytest.mark.sweep`` test."""
    return dict(_trial_run(request).params)

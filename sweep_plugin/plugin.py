"""The pytest plugin: options, markers and roles, wired to plain functions.

Roles follow pytest-xdist: `SweepWorker` runs on every process that runs
trials (and builds their records); `SweepController` runs where results
are gathered (the only process without xdist, the controller with it) and
writes the report. Without sweep files both stay silent.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from . import jsonreport
from .collect import NOTES, SETTINGS, SweepFile, TrialItem
from .records import classify, trial_record, worker_id
from .settings import Settings, add_options, read_settings
from .sweepmark import SweepCase, parametrize_sweep, sweep_case
from .trial import Trial

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


class SweepWorker:
    """Runs where trials run: builds each trial's record and hands it on."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.worker = worker_id(config)
        self.started = time.time()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Turn the JSON report on once trials are collected (after collection)."""
        wanted = self.settings.report and not self.config.option.collectonly
        if wanted and any(_is_trial(item) for item in session.items):
            jsonreport.enable(self.config, self.settings.report_dir, self.started)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After a ``@pytest.mark.sweep`` test body, check the sweep's expectations."""
        result = yield
        case = sweep_case(item)
        handle = getattr(item, "sweep_trial", None)
        if case is not None and handle is not None:
            case.run.check(case.trial, handle.metrics)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Attach the trial record to the call report; it travels to the controller."""
        report = yield
        record = _record(item, call, self.worker)
        if record is not None:
            report.sweep = record  # type: ignore[attr-defined]
        return report

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_runtest_metadata(self, item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any] | None:
        """Put the trial record into pytest-json-report's per-test metadata."""
        return _record(item, call, self.worker)


class SweepController:
    """Gathers trial records and writes the report after the session."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.records: list[dict[str, Any]] = []
        self.report_error = ""
        self.started = time.time()

    def pytest_report_collectionfinish(self) -> list[str]:
        """Say how many grid points constraints removed (after collection)."""
        return self.config.stash.get(NOTES, None) or []

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist, turn the JSON report on once a worker collected trials."""
        if self.settings.report and any(self._is_sweep_file(nodeid) for nodeid in ids):
            jsonreport.enable(self.config, self.settings.report_dir, self.started)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep every trial record, and note trials whose worker died."""
        record = getattr(report, "sweep", None)
        if record is None and str(report.when) == "???" and self._is_sweep_file(report.nodeid):
            record = crashed_record(report)
        if record is not None:
            self.records.append(record)
            if self.settings.report:
                jsonreport.enable(self.config, self.settings.report_dir, self.started)

    def _is_sweep_file(self, nodeid: str) -> bool:
        name = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.settings.patterns)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report after the run, interrupted or not (controller only)."""
        if not (self.records and self.settings.report):
            return
        report = jsonreport.json_report(self.config)
        try:
            from .report import records_from_json_report, write_report

            records = records_from_json_report(report) if report else self.records
            write_report(records, self.settings.report_dir)
        except Exception as exc:  # a report problem must never hide the trial results
            self.report_error = f"{type(exc).__name__}: {exc}"

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """One line per sweep: trials by outcome and the best trial (controller only)."""
        if not self.records:
            return
        from .report import summary_lines

        terminalreporter.section("sweeps")
        out_dir = self.settings.report_dir if self.settings.report else None
        for line in summary_lines(self.records, out_dir):
            terminalreporter.write_line(line)
        if self.report_error:
            terminalreporter.write_line(f"sweep report failed: {self.report_error}", red=True)


def _is_trial(item: pytest.Item) -> bool:
    return isinstance(item, TrialItem) or sweep_case(item) is not None


def _record(item: pytest.Item, call: pytest.CallInfo[None], worker: str) -> dict[str, Any] | None:
    """The trial record of a finished call phase, built once per item."""
    if call.when != "call":
        return None
    cached: dict[str, Any] | None = getattr(item, "_sweep_record", None)
    if cached is not None:
        return cached
    if isinstance(item, TrialItem):
        run, spec_trial = item.run, item.trial
    elif (case := sweep_case(item)) is not None:
        run, spec_trial = case.run, case.trial
    else:
        return None
    record = trial_record(
        run.spec,
        spec_trial,
        handle=getattr(item, "sweep_trial", None),
        merged_config=getattr(item, "merged_config", None) or {},
        nodeid=item.nodeid,
        outcome=classify(call.excinfo),
        duration_s=call.duration,
        worker=worker,
    )
    item._sweep_record = record  # type: ignore[attr-defined]
    return record


def crashed_record(report: pytest.TestReport) -> dict[str, Any]:
    """A record for a trial whose worker died: only its name and the crash text."""
    path, _, name = report.nodeid.partition("::")
    sweep, _, trial = name.partition("[")
    message = str(report.longrepr).strip().splitlines()
    return {
        "sweep": sweep,
        "file": path,
        "trial": trial.removesuffix("]"),
        "nodeid": report.nodeid,
        "outcome": "crashed",
        "duration_s": report.duration,
        "params": {},
        "metrics": {},
        "history": [],
        "message": message[0] if message else "worker crashed",
    }

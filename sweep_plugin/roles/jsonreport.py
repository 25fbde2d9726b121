"""pytest-json-report, on for sessions that run trials and complete as if ``--json-report`` was given.

A session without trials must see no change, yet whether a session runs
trials is known only during collection (or, under xdist, when the first
trial reports). Until then `PendingJsonReport` keeps, by reference, what
pytest-json-report would have seen (collect reports, deselected items, test
reports, warnings); `turn_on` registers pytest-json-report's own plugin and
hands it all of that, so ``collectors`` and the deselected count are whole.
It builds the report; the plugin publishes it as report.json with the other
report files, whole (pytest-json-report's own save truncates the old file).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..records import Record

PLUGIN_NAME = "sweep-json-report"
PENDING_NAME = "sweep-json-report-pending"
DEFAULT_FILE = ".report.json"  # pytest-json-report's own default for --json-report-file


class PendingJsonReport:
    """The hook calls pytest-json-report would have had, kept until trials show up."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self.calls.append(("pytest_collectreport", {"report": report}))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.calls.append(("pytest_deselected", {"items": list(items)}))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.calls.append(("pytest_runtest_logreport", {"report": report}))

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        self.calls.append(("pytest_warning_recorded", {"warning_message": warning_message, "when": when}))


def wanted(config: pytest.Config) -> bool:
    """Whether the plugin should turn the JSON report on: installed, and not asked for by the user."""
    return getattr(config.option, "json_report", None) is False and not config.option.collectonly


def wait_for_trials(config: pytest.Config) -> None:
    """On the controller: keep what the JSON report needs until the session shows whether trials run."""
    if wanted(config):
        config.pluginmanager.register(PendingJsonReport(), PENDING_NAME)


def turn_on(config: pytest.Config, report_dir: Path, started: float) -> None:
    """On the controller: register pytest-json-report writing ``report_dir/report.json`` and catch it up."""
    pending = config.pluginmanager.get_plugin(PENDING_NAME)
    if not isinstance(pending, PendingJsonReport):
        return
    from pytest_jsonreport.plugin import JSONReport

    config.pluginmanager.unregister(pending, PENDING_NAME)
    _use_our_file(config, report_dir)
    plugin = JSONReport(config)
    plugin._start_time = started  # its own sessionstart has already passed
    config.pluginmanager.register(plugin, PLUGIN_NAME)
    for hook, kwargs in pending.calls:
        getattr(plugin, hook)(**kwargs)


def turn_on_worker(config: pytest.Config, report_dir: Path) -> None:
    """On an xdist worker with trials: pytest-json-report's worker half, which sends the metadata."""
    if not wanted(config) or config.pluginmanager.has_plugin(PLUGIN_NAME):
        return
    from pytest_jsonreport.plugin import JSONReportWorker

    _use_our_file(config, report_dir)
    config.pluginmanager.register(JSONReportWorker(config), PLUGIN_NAME)


def _use_our_file(config: pytest.Config, report_dir: Path) -> None:
    """pytest-json-report builds the report; the plugin publishes it with the rest (atomically)."""
    config.option.json_report = True
    config.option.json_report_file = None  # its own save truncates the old file first
    config.option.json_report_verbosity = -1  # and it would say "auto-save skipped"


def report_text(config: pytest.Config, stored: Sequence[Record] = ()) -> str | None:
    """On the controller: report.json's text, if the plugin turned pytest-json-report on (else the user owns it).

    Trials not run in this session (``--sweep-resume`` reused them, or a continuation carries their stored results)
    never reached pytest-json-report: each is added as a test entry with its stored record (``"resumed": true`` or
    ``"carried": "<when>, session <id>"``), so a report rebuilt from report.json holds them too. Every text is cut to
    `records.MAX_TEXT` characters (a 5 MB exception message was three 5 MB copies).
    """
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    report = getattr(plugin, "report", None)
    if report is None:
        return None
    from ..records import bounded  # not before: a session without trials imports no records

    listed = {test.get("nodeid") for test in report.get("tests", ())}
    extra = [stored_test(record) for record in stored if record["nodeid"] not in listed]
    if extra:
        report = {**report, "tests": [*report.get("tests", ()), *extra]}
    text = json.loads(json.dumps(report, default=str))  # JSON builtins, then every text cut to its bound
    return json.dumps(bounded(text), indent=config.option.json_report_indent)


def stored_test(record: Record) -> dict[str, Any]:
    """A pytest-json-report test entry for a trial not run now: its outcome and stored record, no stages."""
    from ..records import Outcome

    outcome = "passed" if record["outcome"] == Outcome.PASSED else "failed"
    mark: dict[str, Any] = {"carried": record["carried"]} if record.get("carried") else {"resumed": True}
    return {"nodeid": record["nodeid"], "outcome": outcome, **mark, "keywords": [], "metadata": dict(record)}

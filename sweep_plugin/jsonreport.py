"""pytest-json-report, switched on only for sessions that run trials.

A project without sweep files must see no change at all, so the JSON
report is not turned on at configure time; it is registered the moment
trials are known to be in the session (after collection).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PLUGIN_NAME = "sweep-json-report"
DEFAULT_FILE = ".report.json"  # pytest-json-report's own default for --json-report-file


def enable(config: pytest.Config, report_dir: Path, started: float) -> None:
    """Register pytest-json-report writing ``report_dir/report.json``, unless already on.

    A user who asked for ``--json-report`` keeps their own settings and file.
    """
    if getattr(config.option, "json_report", None) is not False or config.pluginmanager.has_plugin(PLUGIN_NAME):
        return
    from pytest_jsonreport.plugin import JSONReport, JSONReportWorker

    config.option.json_report = True
    if config.option.json_report_file == DEFAULT_FILE:
        config.option.json_report_file = str(report_dir / "report.json")
    if hasattr(config, "workerinput"):
        plugin: Any = JSONReportWorker(config)
    else:
        plugin = JSONReport(config)
        plugin._start_time = started  # its own sessionstart has already passed
    config.pluginmanager.register(plugin, PLUGIN_NAME)


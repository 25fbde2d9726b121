"""The post-session report of sweep_plugin (SPEC section 6).

A pure library: trial records in, files out. The plugin calls, on the
controller at session end::

    records = records_from_json_report(json_report)   # or its own records
    write_report(records, out_dir)                     # CSVs, best.yaml, PNGs, index.html
    for line in summary_lines(records, out_dir): ...   # terminal summary

and ``python -m sweep_plugin report`` does the same from report.json files
(``load_reports`` merges CI shards). Importing this package is cheap:
pandas and matplotlib are imported only when a report is written.

A record is one trial's metadata dict, as `sweep_plugin.records.Record`
defines it; records read from files are normalised, so missing keys are
filled in. Parts: the records grouped into sweeps and ranked (`grouping`),
the terminal lines (`terminal`), tables and CSVs (`tables`), the analysis
of parameters (`analysis`), plots, trends across nights, the HTML page, the
terminal view (`show`), and publishing the files whole (`publish`).
"""

from __future__ import annotations

from ..records import FINISHED, OUTCOMES, Metric, normalize_record
from ..records.reports import ReportError, gates_from_json_report, load_reports, records_from_json_report
from .grouping import Sweep, best_record, group_sweeps, sweep_metric
from .publish import ReportInterrupted
from .terminal import summary_lines
from .writer import SweepReportWarning, write_report

__all__ = [
    "FINISHED",
    "OUTCOMES",
    "Metric",
    "ReportError",
    "ReportInterrupted",
    "Sweep",
    "SweepReportWarning",
    "best_record",
    "gates_from_json_report",
    "group_sweeps",
    "load_reports",
    "normalize_record",
    "records_from_json_report",
    "summary_lines",
    "sweep_metric",
    "write_report",
]

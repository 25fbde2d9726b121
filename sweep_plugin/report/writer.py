"""write_report: every report file from a list of trial records, published whole.

Writing a report must never fail the user's test session: each file is
produced on its own, and if one cannot be (odd data the code did not
foresee, a full disk), a ``SweepReportWarning`` names it and the others are
still written. The files are staged and published together (`publish`), so
readers never see a mix of two reports, and the earlier report's files that
this one does not write again are removed (those its manifest lists, no
other). Only an out_dir that cannot be created, that holds files the
plugin did not write (`ReportFolderRefused`), or that another session
holds too long, raises (``OSError``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from ..errors import SweepWarning, warn_about
from ..records import Record, normalize_record
from .folder import check_folder
from .grouping import Sweep, group_sweeps
from .publish import ReportInterrupted, publish, staging_folder

T = TypeVar("T")


class SweepReportWarning(SweepWarning):
    """A report file could not be written; the rest of the report was."""


class _Writer:
    """Collects written paths and problems while the report is produced (into the staging folder)."""

    def __init__(self, out_dir: Path, abandon: Callable[[], bool]) -> None:
        self.out_dir = out_dir
        self.abandon = abandon
        self.written: list[Path] = []
        self.notes: list[str] = []

    def guard(self, what: str, func: Callable[..., T], *args: Any) -> T | None:
        """``func(*args)``, or None with a warning if it raised."""
        if self.abandon():
            raise ReportInterrupted(f"interrupted before {what}")
        try:
            return func(*args)
        except Exception as exc:  # a report problem must not end the session
            note = f"could not write {what}: {type(exc).__name__}: {exc}"
            self.notes.append(note)  # warned once the report is published
            return None

    def file(self, what: str, func: Callable[..., Path], *args: Any) -> None:
        path = self.guard(what, func, *args)
        if path is not None:
            self.written.append(path)


def write_report(
    records: Iterable[Mapping[str, Any]],
    out_dir: str | PathLike[str],
    json_report: str | None = None,
    abandon: Callable[[], bool] = lambda: False,
    gates: Sequence[Mapping[str, Any]] = (),
    progress: Callable[[str], None] | None = None,
    history: Path | None = None,
) -> list[Path]:
    """Write summary.csv, one folder per sweep, and index.html under ``out_dir``, all at once.

    ``records`` are trial metadata dicts (as stored by the plugin, or from
    ``records_from_json_report``); ``json_report`` is report.json's text,
    published with the rest. Returns the paths written: report.json and
    summary.csv first, index.html last. ``gates`` (`GateResult.as_record`
    dicts) go to gates.csv and the page. ``progress`` hears the name of each
    sweep before its files are made. ``history`` is a folder of nightly
    summaries: trends.csv, a plot per sweep and a section of the page. `ReportInterrupted` if ``abandon``
    said so: then nothing of this report is published.
    """
    out = Path(out_dir)
    check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    with staging_folder(out) as staging:
        writer = _Writer(staging, abandon)
        with warnings.catch_warnings():  # a library's warning while a file is made (a missing glyph) is not the
            warnings.simplefilter("ignore")  # user's, nor, under -W error, a file that could not be made
            _write_all(writer, [normalize_record(rec) for rec in records], json_report, gates, progress, history)
        staged = [path.relative_to(staging) for path in writer.written]
        placed = publish(staging, out, staged, complete=not writer.notes)
    for note in writer.notes:
        warn_about(out, note, SweepReportWarning)
    return placed


def _write_all(
    writer: _Writer,
    records: list[Record],
    json_report: str | None,
    gates: Sequence[Mapping[str, Any]],
    progress: Callable[[str], None] | None,
    history: Path | None,
) -> None:
    """Every file of the report into the staging folder, each on its own (`write_report`)."""
    from . import html, tables

    staging = writer.out_dir
    if json_report is not None:
        writer.file("report.json", tables.atomic_write, staging / "report.json", json_report)
    writer.file("summary.csv", lambda: tables.write_csv(tables.summary_frame(records), staging / "summary.csv"))
    gate_images: dict[str, bytes] = {}
    if gates:
        writer.file("gates.csv", lambda: tables.write_csv(tables.gates_frame(gates), staging / "gates.csv"))
        from . import gate_plots

        gate_images = _write_plots(writer, gate_plots.gate_plots([dict(gate) for gate in gates]))
    sweeps = group_sweeps(records)
    results = []
    for sweep in sweeps:
        if progress is not None:
            progress(sweep.name)
        result = writer.guard(f"sweep {sweep.name!r}", _write_sweep, writer, sweep)
        if result:
            results.append(result)
    trends: tuple[list[Any], dict[str, bytes]] | None = None
    if history is not None:
        trends = writer.guard("trends", _write_trends, writer, history, sweeps, gates)
    page = writer.guard("index.html", html.render_index, results, writer.notes, gates, gate_images, trends or ([], {}))
    if page is not None:
        writer.file("index.html", tables.atomic_write, staging / "index.html", page)


def _write_sweep(writer: _Writer, sweep: Sweep) -> tuple[Any, dict[str, bytes]]:
    """Tables, best.yaml and plots of one sweep; (SweepData, PNGs) for the page."""
    from . import analysis, plots, tables

    folder = writer.out_dir / sweep.folder
    folder.mkdir(parents=True, exist_ok=True)
    data = analysis.analyse(sweep)
    label = sweep.folder
    writer.file(f"{label}/trials.csv", tables.write_csv, data.trials, folder / "trials.csv")
    writer.file(f"{label}/history.csv", tables.write_csv, data.history, folder / "history.csv")
    writer.file(f"{label}/param_stats.csv", tables.write_csv, data.stats, folder / "param_stats.csv")
    writer.file(f"{label}/analysis.csv", tables.write_csv, data.table, folder / "analysis.csv")
    if data.front:
        writer.file(f"{label}/pareto.csv", tables.write_csv, tables.trials_frame(data.front), folder / "pareto.csv")
    best = tables.best_document(sweep.records, data.metric, data.front)
    if best is not None:
        writer.file(f"{label}/best.yaml", tables.write_yaml, best, folder / "best.yaml")
        writer.file(f"{label}/best_config.yaml", tables.write_yaml, best["config"], folder / "best_config.yaml")
    return data, _write_plots(writer, plots.sweep_plots(data), f"{label}/")


def _write_trends(
    writer: _Writer, history: Path, sweeps: list[Sweep], gates: Sequence[Mapping[str, Any]]
) -> tuple[list[Any], dict[str, bytes]]:
    """trends.csv and a plot per sweep from the summaries in ``history``; (the trends, their PNGs) for the page."""
    from . import gate_plots, tables, trends

    metrics = {sweep.name: metric for sweep in sweeps if (metric := sweep.metric) is not None}
    found = trends.trends(trends.read_history(history), metrics, gates)
    writer.file("trends.csv", tables.write_csv, trends.trends_frame(found), writer.out_dir / "trends.csv")
    return found, _write_plots(writer, gate_plots.trend_plots(found))


def _write_plots(
    writer: _Writer, renders: Iterable[tuple[str, Callable[[], bytes | None]]], folder: str = ""
) -> dict[str, bytes]:
    """Each plot that draws, written into ``folder`` of the report; their PNGs by file name, for the page."""
    from . import tables

    images = {}
    for name, render in renders:
        png = writer.guard(f"{folder}{name}", render)
        if png:
            images[name] = png
            writer.file(f"{folder}{name}", tables.atomic_write, writer.out_dir / f"{folder}{name}", png)
    return images

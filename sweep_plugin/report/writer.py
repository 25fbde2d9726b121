"""write_report: every report file from a list of trial records.

Writing a report must never fail the user's test session: each file is
produced on its own, and if one cannot be (odd data the code did not
foresee, a full disk), a ``SweepReportWarning`` names it and the others are
still written. Only an out_dir that cannot be created raises (``OSError``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from ..records import normalize_record
from .records import Sweep, group_sweeps

T = TypeVar("T")
_OWN_FILES = ("best.yaml", "best_config.yaml")


class SweepReportWarning(UserWarning):
    """A report file could not be written; the rest of the report was."""


class _Writer:
    """Collects written paths and problems while the report is produced."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.written: list[Path] = []
        self.notes: list[str] = []

    def guard(self, what: str, func: Callable[..., T], *args: Any) -> T | None:
        """``func(*args)``, or None with a warning if it raised."""
        try:
            return func(*args)
        except Exception as exc:  # a report problem must not end the session
            note = f"could not write {what}: {type(exc).__name__}: {exc}"
            self.notes.append(note)
            warnings.warn(note, SweepReportWarning, stacklevel=3)
            return None

    def file(self, what: str, func: Callable[..., Path], *args: Any) -> None:
        path = self.guard(what, func, *args)
        if path is not None:
            self.written.append(path)


def write_report(records: Iterable[Mapping[str, Any]], out_dir: str | PathLike[str]) -> list[Path]:
    """Write summary.csv, one folder per sweep, and index.html under ``out_dir``.

    ``records`` are trial metadata dicts (as stored by the plugin, or from
    ``records_from_json_report``). Returns the paths written: summary.csv
    first, index.html last.
    """
    from . import html, tables

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    records = [normalize_record(rec) for rec in records]
    writer.file("summary.csv", lambda: tables.write_csv(tables.summary_frame(records), out / "summary.csv"))
    sweeps = group_sweeps(records)
    results = [r for r in (writer.guard(f"sweep {s.name!r}", _write_sweep, writer, s) for s in sweeps) if r]
    page = writer.guard("index.html", html.render_index, results, writer.notes)
    if page is not None:
        writer.file("index.html", tables.atomic_write, out / "index.html", page)
    return writer.written


def _write_sweep(writer: _Writer, sweep: Sweep) -> tuple[Any, dict[str, bytes]]:
    """Tables, best.yaml and plots of one sweep; (SweepData, PNGs) for the page."""
    from . import analysis, plots, tables

    folder = writer.out_dir / sweep.folder
    folder.mkdir(parents=True, exist_ok=True)
    stale = {p.name for p in folder.iterdir() if p.suffix == ".png" or p.name in _OWN_FILES}
    data = analysis.analyse(sweep)
    label = sweep.folder
    writer.file(f"{label}/trials.csv", tables.write_csv, data.trials, folder / "trials.csv")
    writer.file(f"{label}/history.csv", tables.write_csv, data.history, folder / "history.csv")
    writer.file(f"{label}/param_stats.csv", tables.write_csv, data.stats, folder / "param_stats.csv")
    writer.file(f"{label}/analysis.csv", tables.write_csv, data.table, folder / "analysis.csv")
    best = tables.best_document(sweep.records, data.metric)
    if best is not None:
        writer.file(f"{label}/best.yaml", tables.write_yaml, best, folder / "best.yaml")
        writer.file(f"{label}/best_config.yaml", tables.write_yaml, best["config"], folder / "best_config.yaml")
    images: dict[str, bytes] = {}
    for name, render in plots.sweep_plots(data):
        png = writer.guard(f"{label}/{name}", render)
        if png:
            images[name] = png
            writer.file(f"{label}/{name}", tables.atomic_write, folder / name, png)
    _remove_stale(folder, stale - {p.name for p in writer.written if p.parent == folder})
    return data, images


def _remove_stale(folder: Path, names: set[str]) -> None:
    """Delete plots and best files of an earlier report that this one did not write."""
    for name in names:
        (folder / name).unlink(missing_ok=True)

"""The terminal's ``sweeps`` section: one line per sweep with its outcomes and best trial."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from ..records import OUTCOMES, normalize_record
from .grouping import Sweep, best_record, group_sweeps, outcome_counts, pareto_front, sweep_objectives


def summary_lines(records: Iterable[Mapping[str, Any]], out_dir: str | PathLike[str] | None = None) -> list[str]:
    """One terminal line per sweep, plus where the report is if ``out_dir`` is given.

    e.g. ``spirals: 12 trials: 10 passed, 2 failed; best lr:0.1-hidden:32 val_acc=0.9712``
    """
    # The accessors tolerate missing keys; only records without a known outcome need normalising.
    sweeps = group_sweeps(rec if rec.get("outcome") in OUTCOMES else normalize_record(rec) for rec in records)
    lines = [_sweep_line(sweep, label) for sweep, label in _labelled(sweeps)]
    if out_dir is not None and lines:
        lines.append(f"report: {display_path(Path(out_dir) / 'index.html')}")
    return lines


def _labelled(sweeps: list[Sweep]) -> list[tuple[Sweep, str]]:
    """Sweeps with display names; the file is added where names repeat."""
    names = [s.name for s in sweeps]
    return [(s, s.name if names.count(s.name) == 1 else f"{s.name} ({s.key})") for s in sweeps]


def _sweep_line(sweep: Sweep, label: str) -> str:
    n = len(sweep.records)
    counts = ", ".join(f"{count} {outcome}" for outcome, count in outcome_counts(sweep.records).items())
    line = f"{label}: {n} trial{'s' if n != 1 else ''}: {counts}"
    resumed = sum(1 for rec in sweep.records if rec.get("resumed"))
    if resumed:
        line += f" ({resumed} resumed)"
    carried = sum(1 for rec in sweep.records if rec.get("carried"))
    if carried:
        line += f" ({n - carried - resumed} run now, {carried} from earlier sessions)"
    metric = sweep.metric
    best = best_record(sweep.records, metric)
    if best is not None and metric is not None:
        line += f"; best {best[1]['trial']} {metric.name}={best[0]:.4g}"
        line += f" ({metric.guess_note})" if metric.is_guess else ""
    elif metric is not None:
        line += f"; no finished trial with {metric.name}"
    objectives = sweep_objectives(sweep.records)
    if objectives:
        front = pareto_front(sweep.records, objectives)
        line += f"; Pareto front of {', '.join(m.name for m in objectives)}: {len(front)} trials"
    return line


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)

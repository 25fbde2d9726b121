"""``--sweep-baseline``: an earlier run's summary.csv, read into each trial's metrics.

``baseline.<metric>`` in ``expect`` reads the same trial's value there, and
``regression:`` compares each configuration's repeats with its repeats there.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

Baseline = Mapping[tuple[str, str], Mapping[str, float]]  # (sweep, trial id) -> metrics


class BaselineError(ValueError):
    """The baseline file cannot be read, or is not a summary.csv."""


def load_baseline(path: Path) -> dict[tuple[str, str], dict[str, float]]:
    """Metrics of an earlier run's summary.csv, by (sweep, trial id)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise BaselineError(f"cannot read {path}: {exc}") from None
    if rows and not {"sweep", "trial"} <= set(rows[0]):
        raise BaselineError(f"{path} is not a summary.csv (no sweep and trial columns)")
    baseline: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        if not (isinstance(row.get("sweep"), str) and isinstance(row.get("trial"), str)) or None in row:
            continue  # a cut-off or over-long row: not one the run wrote
        metrics = {}
        for column, value in row.items():
            if column.startswith("metrics.") and value not in ("", None):
                try:
                    metrics[column.removeprefix("metrics.")] = float(value)
                except ValueError:
                    continue
        baseline[(row["sweep"], row["trial"])] = metrics
    return baseline

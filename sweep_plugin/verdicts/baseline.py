"""``--sweep-baseline``: an earlier run's summary.csv, read into each trial's metrics.

``baseline.<metric>`` in ``expect`` reads the same trial's value there, and
``regression:`` compares each configuration's repeats with its repeats there.
A baseline that cannot be read is an error naming the file and what is wrong,
never "no baseline": a gate must not pass because its baseline vanished.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import not_utf8

Baseline = Mapping[tuple[str, str], Mapping[str, float]]  # (sweep, trial id) -> metrics
MAX_FIELD = 256 * 1024 * 1024  # a trial's message may be long; csv's own limit is 128 KiB


class BaselineError(ValueError):
    """The baseline file cannot be read, or is not a summary.csv with trials in it."""


def load_baseline(path: Path) -> dict[tuple[str, str], dict[str, float]]:
    """Metrics of an earlier run's summary.csv, by (sweep, trial id)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BaselineError(f"cannot read {path}: {exc}") from None
    if not data.strip():
        raise BaselineError(f"{path} is empty: no header, no trials")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path} is not UTF-8 text ({not_utf8(exc)}): summary.csv is written in UTF-8") from None
    baseline: dict[tuple[str, str], dict[str, float]] = {}
    try:
        with _large_fields():
            reader = csv.DictReader(io.StringIO(text, newline=""))
            if not {"sweep", "trial"} <= set(reader.fieldnames or ()):
                raise BaselineError(f"{path} is not a summary.csv (no sweep and trial columns)")
            for row in reader:
                if None in row.values() or None in row:
                    raise BaselineError(f"{path} line {reader.line_num} is cut short or has stray fields")
                baseline[(row["sweep"], row["trial"])] = _metrics(row)
    except csv.Error as exc:
        raise BaselineError(f"{path} cannot be read as CSV: {exc}") from None
    if not baseline:
        raise BaselineError(f"{path} holds no trials")
    return baseline


def _metrics(row: Mapping[str, str]) -> dict[str, float]:
    metrics = {}
    for column, value in row.items():
        if column.startswith("metrics.") and value:
            with contextlib.suppress(ValueError):
                metrics[column.removeprefix("metrics.")] = float(value)
    return metrics


@contextlib.contextmanager
def _large_fields() -> Iterator[None]:
    """csv's field limit raised while reading (it is process-wide: put back after)."""
    before = csv.field_size_limit(MAX_FIELD)
    try:
        yield
    finally:
        csv.field_size_limit(before)

"""Records grouped into sweeps and ranked: which metric a sweep is judged by, its best trial, its front.

Which metric counts as "the" metric of a sweep: the sweep's declared
``metric`` (name and goal). Without one, the first metric name found in the
records, with its goal guessed from its name (`sweep_plugin.records.Goal.guess`,
the one rule every view uses). A trial can be "best" only if it finished
(``passed`` or ``failed``: the experiment returned metrics) and its metric
value is a finite number. Pure Python (no pandas): the plugin uses it at
session end without paying for the heavy report libraries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..ids import safe_name, sweep_folders
from ..records import FINISHED, OUTCOMES, Metric, finite


@dataclass
class Sweep:
    """One sweep's records, with the folder name its files go to."""

    name: str
    file: str
    folder: str
    key: str = ""  # the nodeid up to "[": tells apart sweeps of the same name
    records: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def metric(self) -> Metric | None:
        return sweep_metric(self.records)


def group_sweeps(records: Iterable[Mapping[str, Any]]) -> list[Sweep]:
    """Records grouped by sweep, in first-seen order.

    A sweep is a sweep name and the nodeid up to ``[`` (``file.yaml::name``,
    or ``test_x.py::test_fn`` for a Python test marked with a sweep), so
    trial ids are unique within it. Its folder is the one its trials' folders
    are in (the record's ``dir``), so the report and the trials agree; for
    records without one, the plugin's naming (`sweep_folders`) is applied.
    """
    groups: dict[tuple[str, str], Sweep] = {}
    for rec in records:
        name, file = str(rec.get("sweep", "")), str(rec.get("file", ""))
        key = (name, str(rec.get("nodeid", "")).partition("[")[0] or file)
        if key not in groups:
            groups[key] = Sweep(name=name, file=file, folder="", key=key[1])
        groups[key].records.append(rec)
    named = sweep_folders([(safe_name(name) or "sweep", owner) for name, owner in groups])
    for (name, owner), sweep in groups.items():
        folder = str(sweep.records[0].get("dir") or "").partition("/")[0]
        sweep.folder = folder if safe_name(folder) == folder and folder else named[(safe_name(name) or "sweep", owner)]
    return list(groups.values())


def sweep_metric(records: Iterable[Mapping[str, Any]]) -> Metric | None:
    """The declared metric of the sweep, else a guess from the metric names."""
    records = list(records)
    for rec in records:
        declared = Metric.from_field(rec.get("metric"))
        if declared:
            return declared
    for rec in records:
        metrics = rec.get("metrics")
        for name, value in metrics.items() if isinstance(metrics, Mapping) else ():
            if finite(value) is not None:
                return Metric.guessed(name)
    return None


def sweep_objectives(records: Iterable[Mapping[str, Any]]) -> list[Metric]:
    """The objectives of a multi-objective sweep (two or more), else an empty list."""
    for rec in records:
        objectives = [m for m in map(Metric.from_field, rec.get("objectives") or []) if m is not None]
        if len(objectives) > 1:
            return objectives
    return []


def pareto_front(records: Iterable[Mapping[str, Any]], objectives: list[Metric]) -> list[Mapping[str, Any]]:
    """The finished trials no other finished trial beats on every objective, best on the first one first."""
    scored: list[tuple[list[float], Mapping[str, Any]]] = []
    for rec in records:
        values = [metric_value(rec, metric) for metric in objectives]
        known = [v for v in values if v is not None]
        if len(known) == len(objectives):
            scored.append(([-m.goal.sign * v for v, m in zip(known, objectives, strict=True)], rec))
    scored.sort(key=lambda item: item[0])
    front: list[tuple[list[float], Mapping[str, Any]]] = []
    for costs, rec in scored:
        if not any(all(f <= c for f, c in zip(kept, costs, strict=True)) and kept != costs for kept, _ in front):
            front.append((costs, rec))
    return [rec for _, rec in front]


def metric_value(rec: Mapping[str, Any], metric: Metric) -> float | None:
    """The record's finite value of ``metric`` if it finished, else None."""
    if rec.get("outcome") not in FINISHED:
        return None
    metrics = rec.get("metrics")
    return finite(metrics.get(metric.name)) if isinstance(metrics, Mapping) else None


def ranked(records: Iterable[Mapping[str, Any]], metric: Metric | None) -> list[tuple[float, Mapping[str, Any]]]:
    """(value, record) of trials with a metric value, best first (stable)."""
    if metric is None:
        return []
    scored = [(v, rec) for rec in records if (v := metric_value(rec, metric)) is not None]
    return sorted(scored, key=lambda item: -metric.goal.sign * item[0])


def best_record(records: Iterable[Mapping[str, Any]], metric: Metric | None) -> tuple[float, Mapping[str, Any]] | None:
    """The best finished trial and its value, or None if none has the metric."""
    top = ranked(records, metric)
    return top[0] if top else None


def outcome_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Trials per outcome, in the canonical outcome order, zeros left out."""
    counts: dict[str, int] = {}
    for rec in records:
        counts[str(rec.get("outcome"))] = counts.get(str(rec.get("outcome")), 0) + 1
    order = [o for o in OUTCOMES if o in counts] + sorted(o for o in counts if o not in OUTCOMES)
    return {o: counts[o] for o in order}


def gate_checks(gate: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A gate's checks, or one standing for its message when none was judged (its repeats did not all run)."""
    return list(gate.get("checks") or [{"check": "", "passed": None, "detail": gate.get("message", "")}])


def failed_first(gates: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Gates in the order a reader wants them: failed, then skipped, then passed."""
    order = {"failed": 0, "skipped": 1, "passed": 2}
    return sorted(gates, key=lambda gate: order.get(str(gate.get("outcome")), 3))

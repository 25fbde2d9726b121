"""Trial records: read them from pytest-json-report files, group and rank them.

A *record* is the plugin's per-trial metadata dict (see the module
``sweep_plugin.report`` docstring), normalised so the report code can trust
its keys and types. This module is pure Python (no pandas) so the plugin can
import it at session end without paying for the heavy report libraries.

Which metric counts as "the" metric of a sweep: the sweep's declared
``metric`` (name and goal). Without one, the first metric name found in the
records, with goal ``minimize`` when the name looks like a loss or error
(``loss``, ``error``, ``err``, ``mse``, ``mae``, ``rmse``, ``nll``,
``perplexity``, ``time``, ``latency``) and ``maximize`` otherwise. A trial
can be "best" only if it finished (``passed`` or ``failed``: the experiment
returned metrics) and its metric value is a finite number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from ..ids import safe_name, sweep_folders
from ..records import FINISHED, OUTCOMES, Metric, Record, finite, is_number, normalize_record

_MINIMIZE_HINTS = ("loss", "error", "err", "mse", "mae", "rmse", "nll", "perplexity", "time", "latency")
_SWEEP_SUFFIXES = (".yaml", ".yml")
_TEST_OUTCOMES = {"passed": "passed", "failed": "failed", "error": "error", "skipped": "skipped"}
_MESSAGE_LIMIT = 4000


class ReportError(ValueError):
    """A file given to ``load_reports`` is missing or is not a json report."""


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


# --------------------------------------------------------------- reading


def records_from_json_report(report: Mapping[str, Any]) -> list[Record]:
    """Trial records of one pytest-json-report dict, in test order.

    Tests with trial metadata become records; a test from a sweep YAML file
    without metadata (its worker died, or it failed before recording) becomes
    a record with unknown params; every other test is ignored.
    """
    tests = report.get("tests") if isinstance(report, Mapping) else None
    if not isinstance(tests, list):
        return []
    records = (_record_from_test(test) for test in tests if isinstance(test, Mapping))
    return [rec for rec in records if rec is not None]


def gate_checks(gate: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A gate's checks, or one standing for its message when none was judged (its repeats did not all run)."""
    return list(gate.get("checks") or [{"check": "", "passed": None, "detail": gate.get("message", "")}])


def failed_first(gates: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Gates in the order a reader wants them: failed, then skipped, then passed."""
    order = {"failed": 0, "skipped": 1, "passed": 2}
    return sorted(gates, key=lambda gate: order.get(str(gate.get("outcome")), 3))


def gates_from_json_report(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The gates of one pytest-json-report dict (`sweep_plugin.gates.GateResult.as_record`), in test order."""
    tests = report.get("tests") if isinstance(report, Mapping) else None
    metadata = (test.get("metadata") for test in tests or () if isinstance(test, Mapping))
    return [dict(meta) for meta in metadata if isinstance(meta, Mapping) and meta.get("gate") is True]


def load_reports(paths: Iterable[str | PathLike[str]], gates: list[dict[str, Any]] | None = None) -> list[Record]:
    """Records of several json reports (CI shards), merged by nodeid; their gates added to ``gates``.

    A trial (or gate) present in several reports keeps the result of the
    report with the latest ``created`` time (on a tie, the later path given).
    """
    loaded = [(_created(report), index, report) for index, report in enumerate(map(_read_report, paths))]
    merged: dict[str, Record] = {}
    merged_gates: dict[Any, dict[str, Any]] = {}
    for _, _, report in sorted(loaded, key=lambda item: item[:2]):
        for rec in records_from_json_report(report):
            merged[rec["nodeid"]] = rec
        for gate in gates_from_json_report(report):
            merged_gates[gate.get("nodeid")] = gate
    if gates is not None:
        gates.extend(merged_gates.values())
    return list(merged.values())


def _read_report(path: str | PathLike[str]) -> dict[str, Any]:
    """Parse one report file, raising ReportError with a one-line reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(report, dict) or not isinstance(report.get("tests"), list):
        raise ReportError(f"{path}: not a pytest-json-report file (no 'tests' list)")
    return report


def _created(report: Mapping[str, Any]) -> float:
    value: Any = report.get("created")
    return float(value) if is_number(value) else float("-inf")


def _record_from_test(test: Mapping[str, Any]) -> Record | None:
    """The record of one json-report test entry, or None if not a trial.

    The test entry fills in what the metadata lacks: the outcome from its
    stages (timeout, crashed worker, test outcome), the duration and the message.
    """
    nodeid = str(test.get("nodeid", ""))
    meta = test.get("metadata")
    if isinstance(meta, Mapping) and meta.get("gate") is True:
        return None  # a gate's test: `gates_from_json_report`
    if isinstance(meta, Mapping) and isinstance(meta.get("sweep"), Mapping):
        meta = meta["sweep"]  # tolerate metadata nested under a "sweep" key
    if not (isinstance(meta, Mapping) and ("sweep" in meta or "trial" in meta)):
        if not _is_sweep_nodeid(nodeid):
            return None
        if test.get("outcome") == "passed" and "call" not in test:
            return None  # set up but never run: the session was interrupted
        meta = {}
    outcome = str(meta["outcome"]) if meta.get("outcome") in OUTCOMES else _outcome_from_test(test)
    defaults = {
        "nodeid": nodeid,
        "outcome": outcome,
        "duration_s": _duration(test),
        "message": _message_from_test(test, outcome),
    }
    return normalize_record(meta, defaults)


def _is_sweep_nodeid(nodeid: str) -> bool:
    return nodeid.partition("::")[0].lower().endswith(_SWEEP_SUFFIXES) and "::" in nodeid


def _stage_texts(test: Mapping[str, Any]) -> list[str]:
    """Every longrepr and crash message of the test's stages (any ``when``)."""
    texts = []
    for stage in test.values():
        if not isinstance(stage, Mapping):
            continue
        if isinstance(stage.get("longrepr"), str):
            texts.append(stage["longrepr"])
        crash = stage.get("crash")
        if isinstance(crash, Mapping) and isinstance(crash.get("message"), str):
            texts.append(crash["message"])
    return texts


def _outcome_from_test(test: Mapping[str, Any]) -> str:
    text = "\n".join(_stage_texts(test))
    if "Timeout" in text and "pytest-timeout" in text:
        return "timeout"
    if "crashed while running" in text:
        return "crashed"
    return _TEST_OUTCOMES.get(str(test.get("outcome", "")), "error")


def _message_from_test(test: Mapping[str, Any], outcome: str) -> str:
    """A short reason from the stages: the crash message, else the longrepr tail."""
    if outcome == "passed":
        return ""
    for when in ("setup", "call", "teardown", "???"):
        stage = test.get(when)
        if not isinstance(stage, Mapping):
            continue
        crash = stage.get("crash")
        if isinstance(crash, Mapping) and crash.get("message"):
            return str(crash["message"])[-_MESSAGE_LIMIT:]
    texts = [t.strip() for t in _stage_texts(test) if t.strip()]
    return texts[-1][-_MESSAGE_LIMIT:] if texts else ""


def _duration(test: Mapping[str, Any]) -> float | None:
    stages = [test.get(when) for when in ("setup", "call", "teardown")]
    durations = [s["duration"] for s in stages if isinstance(s, Mapping) and is_number(s.get("duration"))]
    return float(sum(durations)) if durations else None


# --------------------------------------------------------------- grouping and ranking


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
        for name, value in (metrics.items() if isinstance(metrics, Mapping) else ()):
            if finite(value) is not None:
                return Metric(name, _guess_goal(name))
    return None


def _guess_goal(name: str) -> str:
    lowered = name.lower()
    return "minimize" if any(hint in lowered for hint in _MINIMIZE_HINTS) else "maximize"


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
            scored.append(([v if m.goal == "minimize" else -v for v, m in zip(known, objectives, strict=True)], rec))
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
    return sorted(scored, key=lambda item: -item[0] if metric.goal == "maximize" else item[0])


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


# --------------------------------------------------------------- terminal


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
    metric = sweep.metric
    best = best_record(sweep.records, metric)
    if best is not None and metric is not None:
        line += f"; best {best[1]['trial']} {metric.name}={best[0]:.4g}"
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

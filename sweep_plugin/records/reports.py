"""Trial records read back from pytest-json-report files (report.json), one or several (CI shards).

A test with trial metadata becomes its record; a test from a sweep YAML file
without metadata (its worker died, or it failed before recording) becomes a
record with unknown parameters; every other test is left out. Gates come
back as their own records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from .schema import OUTCOMES, Outcome, Record, is_number, normalize_record

_SWEEP_SUFFIXES = (".yaml", ".yml")
_TEST_OUTCOMES = {"passed": "passed", "failed": "failed", "error": "error", "skipped": "skipped"}
_MESSAGE_LIMIT = 4000


class ReportError(ValueError):
    """A file given to ``load_reports`` is missing or is not a json report."""


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


def gates_from_json_report(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The gates of one pytest-json-report dict (`sweep_plugin.verdicts.GateResult.as_record`), in test order."""
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
        return Outcome.TIMEOUT
    if "crashed while running" in text:
        return Outcome.CRASHED
    return _TEST_OUTCOMES.get(str(test.get("outcome", "")), Outcome.ERROR)


def _message_from_test(test: Mapping[str, Any], outcome: str) -> str:
    """A short reason from the stages: the crash message, else the longrepr tail."""
    if outcome == Outcome.PASSED:
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

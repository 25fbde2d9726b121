"""A trial's record: what it ran with, what it measured, and how it ended.

The record is a dict of JSON builtins, so it can ride on a pytest report
across xdist and land in pytest-json-report's per-test ``metadata``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .command import TrialCrashed
from .runner import ExpectationFailed
from .spec import SweepSpec
from .trial import Trial
from .trials import TrialSpec

OUTCOMES = ("passed", "failed", "error", "timeout", "crashed", "pruned", "skipped")
TIMEOUT_TEXT = "from pytest-timeout"


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None) -> tuple[str, str]:
    """The sweep outcome of a trial and a one-line message, from how its call ended."""
    if excinfo is None:
        return "passed", ""
    error = excinfo.value
    if isinstance(error, ExpectationFailed):
        return "failed", "\n".join(error.missed)
    if isinstance(error, TrialCrashed):
        return "crashed", str(error.msg)
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, pytest.skip.Exception):
        kind = "pruned" if getattr(error, "pruned", False) else "skipped"
        return kind, message
    if TIMEOUT_TEXT in str(error):
        return "timeout", message
    return "error", f"{type(error).__name__}: {message}" if message else type(error).__name__


def worker_id(config: pytest.Config) -> str:
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    return str(workerinput.get("workerid", "main"))


def trial_record(
    spec: SweepSpec,
    trial: TrialSpec,
    *,
    handle: Trial | None,
    merged_config: dict[str, Any],
    nodeid: str,
    outcome: tuple[str, str],
    duration_s: float,
    worker: str,
    attempts: int = 1,
) -> dict[str, Any]:
    """The record of one finished trial (the schema the report reads)."""
    return {
        "sweep": spec.name,
        "file": spec.display,
        "trial": trial.id,
        "nodeid": nodeid,
        "outcome": outcome[0],
        "duration_s": round(duration_s, 6),
        "worker": worker,
        "attempts": attempts,
        "params": trial.params,
        "metrics": handle.metrics if handle else {},
        "history": handle.history if handle else [],
        "message": outcome[1],
        "config": merged_config,
        "metric": {"name": spec.metric.name, "goal": spec.metric.goal} if spec.metric else None,
        "scales": spec.scales,
    }

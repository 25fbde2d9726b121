"""Gates: each configuration judged over its repeats, once they have all run.

A configuration is a sweep's trials that differ only in ``seed`` (``repeat:
N``). Its gate holds the sweep's ``gate:`` expressions, where a metric is the
sequence of its repeats' values (``mean(val_acc) >= 0.9``), and its
``regression:`` rule against the baseline's repeats of the same
configuration. The controller judges gates from the finished records, so
they see every repeat whichever worker ran it; a gate is then reported as a
test of its own, ``<file>::<sweep>::gate[<configuration>]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .expressions import EvaluationError, param_names
from .records import Record
from .regression import compare
from .spec import SweepSpec

# How a repeat that did not finish leaves its gate: failed, or not judged.
UNFINISHED = ("error", "crashed", "timeout")
NOT_JUDGED = ("pruned", "skipped")
_SEED = re.compile(r"(?:^|-)seed:(?P<seed>\d+)$")
Baseline = Mapping[tuple[str, str], Mapping[str, float]]


@dataclass(frozen=True)
class CheckResult:
    """One check of a gate: a ``gate:`` expression or the regression rule. ``passed`` None: not judged."""

    check: str
    passed: bool | None
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GateResult:
    """A configuration's gate: its outcome (passed, failed or skipped) and each check's."""

    file: str
    sweep: str
    configuration: str
    line: int | None
    params: dict[str, Any]
    trials: tuple[str, ...]  # node ids of its repeats
    outcome: str
    message: str
    checks: tuple[CheckResult, ...] = ()

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.sweep}::gate[{self.configuration}]"

    def as_record(self) -> dict[str, Any]:
        """What report.json holds for the gate (its test's ``metadata``)."""
        return {
            "gate": True,
            "sweep": self.sweep,
            "file": self.file,
            "configuration": self.configuration,
            "params": self.params,
            "trials": list(self.trials),
            "outcome": self.outcome,
            "message": self.message,
            "checks": [vars(check) for check in self.checks],
        }


def configuration_of(trial_id: str) -> tuple[str, int | None]:
    """``lr:0.1-seed:3`` -> (``lr:0.1``, 3): a trial's configuration and its seed (``all`` for seed alone)."""
    match = _SEED.search(trial_id)
    if match is None:
        return trial_id, None
    return trial_id[: match.start()] or "all", int(match["seed"])


def judge_gates(spec: SweepSpec, records: Iterable[Record], baseline: Baseline | None) -> list[GateResult]:
    """Every configuration's gate among ``records`` (this sweep's); ``baseline`` None: none was given."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(configuration_of(record["trial"])[0], []).append(record)
    return [judge_configuration(spec, name, repeats, baseline) for name, repeats in groups.items()]


def judge_configuration(
    spec: SweepSpec, configuration: str, repeats: list[Record], baseline: Baseline | None
) -> GateResult:
    """One configuration's gate over its repeats."""
    repeats = sorted(repeats, key=lambda record: record["params"].get("seed", 0))
    params = {path: value for path, value in repeats[0]["params"].items() if path != "seed"}
    result: dict[str, Any] = {
        "file": repeats[0]["file"],
        "sweep": spec.name,
        "configuration": configuration,
        "line": spec.line_of("gate" if spec.gate else "regression"),
        "params": params,
        "trials": tuple(record["nodeid"] for record in repeats),
    }
    why_not = _not_judged(spec, repeats)
    if why_not is not None:
        return GateResult(**result, outcome=why_not[0], message=why_not[1])
    checks = [*_expression_checks(spec, params, repeats)]
    if spec.regression is not None:
        checks.append(_regression_check(spec, configuration, repeats, baseline))
    failed = [check for check in checks if check.passed is False]
    if failed:
        outcome = "failed"
    elif all(check.passed is None for check in checks):
        outcome = "skipped"
    else:
        outcome = "passed"
    shown = failed or [check for check in checks if outcome == "skipped" or check.passed]
    message = "\n".join(f"{check.check}: {check.detail}" if check.detail else check.check for check in shown)
    return GateResult(**result, outcome=outcome, message=message, checks=tuple(checks))


def _not_judged(spec: SweepSpec, repeats: list[Record]) -> tuple[str, str] | None:
    """("failed" or "skipped", why) when the repeats cannot be judged together."""
    unfinished = [record for record in repeats if record["outcome"] in UNFINISHED]
    if unfinished:
        shown = "; ".join(f"{_seed(r)} {r['outcome']}: {_first_line(r['message'])}" for r in unfinished)
        return "failed", f"{len(unfinished)} of {len(repeats)} repeats did not finish: {shown}"
    if len(repeats) < spec.repeat:
        return "skipped", (
            f"{len(repeats)} of {spec.repeat} repeats ran in this session:"
            " a gate is judged when all of them are selected"
        )
    not_judged = [record for record in repeats if record["outcome"] in NOT_JUDGED]
    if not_judged:
        shown = "; ".join(f"{_seed(r)} {r['outcome']}: {_first_line(r['message'])}" for r in not_judged)
        return "skipped", f"a gate judges finished repeats only: {shown}"
    return None


def _expression_checks(spec: SweepSpec, params: dict[str, Any], repeats: list[Record]) -> list[CheckResult]:
    names: dict[str, Any] = param_names(params, spec.short)
    metrics: dict[str, tuple[float, ...]] = {}
    for record in repeats:
        for name, value in record["metrics"].items():
            metrics.setdefault(name, ())
            metrics[name] += (value,)
    names |= metrics
    names["count"] = len(repeats)
    scopes = {"param": param_names(params, spec.short), "metric": metrics}
    checks = []
    for gate in spec.gate:
        expression = gate.expression
        try:
            passed = bool(expression.evaluate(names, scopes))
        except EvaluationError as exc:
            checks.append(CheckResult(expression.text, False, str(exc)))
            continue
        shown = expression.describe(names, scopes).removeprefix(expression.text).removeprefix(": ")
        checks.append(CheckResult(expression.text, passed, shown))
    return checks


def _regression_check(
    spec: SweepSpec, configuration: str, repeats: list[Record], baseline: Baseline | None
) -> CheckResult:
    rule = spec.regression
    assert rule is not None
    check = f"regression of {rule.metric.name}"
    if baseline is None:
        return CheckResult(check, None, "not judged: no --sweep-baseline given")
    before = {
        seed: metrics.get(rule.metric.name)
        for (sweep, trial), metrics in baseline.items()
        if sweep == spec.name and (seed := _baseline_seed(trial, configuration)) is not None
    }
    if not before:
        return CheckResult(check, None, "not judged: the baseline has no repeats of this configuration")
    now = {record["params"].get("seed"): record["metrics"].get(rule.metric.name) for record in repeats}
    for side, values in (("this run", now), ("the baseline", before)):
        missing = [seed for seed, value in values.items() if not _finite(value)]
        if missing:
            return CheckResult(
                check, False, f"{rule.metric.name} is missing or not a number in {side} for seed {missing[0]}"
            )
    if len(before) != len(now):
        return CheckResult(
            check,
            False,
            f"the baseline has {len(before)} repeats of this configuration and this run {len(now)}:"
            " compare runs made with the same `repeat`",
        )
    comparison = compare(now, before, rule)  # type: ignore[arg-type]
    figures = {key: value for key, value in vars(comparison).items() if key not in ("metric", "regressed")}
    return CheckResult(check, not comparison.regressed, comparison.summary(rule), figures)


def _baseline_seed(trial: str, configuration: str) -> int | None:
    name, seed = configuration_of(trial)
    return seed if name == configuration else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seed(record: Record) -> str:
    return f"seed:{record['params'].get('seed')}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""

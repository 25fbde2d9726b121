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

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SweepError
from ..expressions import EvaluationError, flat_names, param_names
from ..ids import configuration_of, trial_ids
from ..records import Outcome, Record, by_sweep, finite
from ..spec import SweepSpec, load_sweep_file
from .baseline import Baseline
from .regression import Sides, compare_all

# How a repeat that did not finish leaves its gate: failed, or not judged.
UNFINISHED = (Outcome.ERROR, Outcome.CRASHED, Outcome.TIMEOUT)
NOT_JUDGED = (Outcome.PRUNED, Outcome.SKIPPED)


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
    outcome: Outcome  # passed, failed or skipped
    message: str
    checks: tuple[CheckResult, ...] = ()
    metric: str | None = None  # the metric the gate is about, and its repeats' values (for the report's plot)
    values: tuple[float, ...] = ()

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.sweep}::gate[{self.configuration}]"

    @classmethod
    def not_judged(cls, spec: SweepSpec, file: str, why: str) -> GateResult:
        """A failed gate standing for a whole sweep whose gates could not be judged."""
        return cls(file, spec.name, "all", spec.line_of("gate"), {}, (), Outcome.FAILED, f"gates not judged: {why}")

    def as_record(self) -> dict[str, Any]:
        """What report.json holds for the gate (its test's ``metadata``)."""
        return {
            "gate": True,
            "nodeid": self.nodeid,
            "sweep": self.sweep,
            "file": self.file,
            "configuration": self.configuration,
            "params": self.params,
            "trials": list(self.trials),
            "outcome": self.outcome.value,
            "message": self.message,
            "checks": [vars(check) for check in self.checks],
            "metric": self.metric,
            "values": list(self.values),
        }


def load_specs(root: Path, file: str) -> dict[str, SweepSpec] | str:
    """A sweep file's sweeps by name (``file`` relative to ``root``), or why it cannot be read."""
    try:
        return {spec.name: spec for spec in load_sweep_file(root / file, file)}
    except (SweepError, OSError) as exc:
        return str(exc)


def judge_sweeps(
    records: Iterable[Record],
    specs_of: Callable[[str], dict[str, SweepSpec] | str],
    baseline: Baseline | None,
    unreadable: Callable[[str, str], None] = lambda file, why: None,
) -> list[GateResult]:
    """The gates of every sweep among ``records`` whose spec (from ``specs_of(file)``) has any.

    A sweep file that cannot be read is told to ``unreadable``; a sweep the plugin cannot judge
    fails as ``gate[all]``: a gate never passes or vanishes by an error of the plugin's.
    """
    judged: list[GateResult] = []
    for (file, sweep), its in by_sweep(records).items():
        sweeps = specs_of(file)
        if isinstance(sweeps, str):
            unreadable(file, sweeps)
            continue
        spec = sweeps.get(sweep)
        if spec is None or not (spec.gate or spec.regression):
            continue
        try:
            judged += judge_gates(spec, its, baseline)
        except Exception as exc:
            judged.append(GateResult.not_judged(spec, file, f"{type(exc).__name__}: {exc}"))
    return judged


def judge_merged(records: Iterable[Record], baseline: Baseline | None, root: Path) -> list[GateResult]:
    """The gates of merged reports (CI shards), judged again over all their repeats.

    Each shard judged only the repeats it ran; the sweep files, found from
    ``root`` (the project root), say what to judge. Sweeps whose file is not
    there keep the shards' verdicts (the caller's), so this returns only the
    gates judged here.
    """
    return judge_sweeps(records, functools.cache(functools.partial(load_specs, root)), baseline)


def judge_gates(spec: SweepSpec, records: Iterable[Record], baseline: Baseline | None) -> list[GateResult]:
    """Every configuration's gate among ``records`` (this sweep's); ``baseline`` None: none was given.

    The expressions judge each configuration alone; the regression rule
    judges them together, because their noise is estimated together.
    """
    groups = _configurations(spec, records)
    unjudged = {name: _not_judged(spec, repeats) for name, repeats in groups.items()}
    regressions = _regression_checks(spec, {n: r for n, r in groups.items() if unjudged[n] is None}, baseline)
    metric = _gated_metric(spec)
    results = []
    for name, repeats in groups.items():
        params = {path: value for path, value in repeats[0]["params"].items() if path != "seed"}
        head: dict[str, Any] = {
            "file": repeats[0]["file"],
            "sweep": spec.name,
            "configuration": name,
            "line": spec.line_of("gate" if spec.gate else "regression"),
            "params": params,
            "trials": tuple(record["nodeid"] for record in repeats),
            "metric": metric,
            "values": tuple(v for r in repeats if metric and (v := finite(r["metrics"].get(metric))) is not None),
        }
        why_not = unjudged[name]
        if why_not is not None:
            results.append(GateResult(**head, outcome=why_not[0], message=why_not[1]))
            continue
        checks = _expression_checks(spec, params, repeats)
        if name in regressions:
            checks.append(regressions[name])
        outcome, message = _verdict(checks)
        results.append(GateResult(**head, outcome=outcome, message=message, checks=tuple(checks)))
    return results


def _configurations(spec: SweepSpec, records: Iterable[Record]) -> dict[str, list[Record]]:
    """The records by configuration (their parameters but ``seed``), each sorted by seed, under readable names.

    A name is the trial id the configuration would have without ``seed`` (``lr:0.1``; ``all`` when
    only the seed varies), so it is bounded and unique as trial ids are.
    """
    groups: dict[str, list[Record]] = {}
    for record in records:
        key = json.dumps({k: v for k, v in record["params"].items() if k != "seed"}, sort_keys=True, default=str)
        groups.setdefault(key, []).append(record)
    paths = [path for path in spec.varying if path != "seed"]
    points = [{path: repeats[0]["params"].get(path) for path in paths} for repeats in groups.values()]
    names = trial_ids(points, paths) if paths else ["all"] * len(points)
    return {
        name: sorted(repeats, key=lambda record: str(record["params"].get("seed")))
        for name, repeats in zip(names, groups.values(), strict=True)
    }


def _gated_metric(spec: SweepSpec) -> str | None:
    """The metric a gate is mostly about: the regression's, else the first one a gate expression reads."""
    if spec.regression is not None:
        return spec.regression.metric.name
    reads = [read.name for check in spec.gate for read in check.expression.aggregated]
    return reads[0] if reads else spec.metric.name if spec.metric else None


def _verdict(checks: list[CheckResult]) -> tuple[Outcome, str]:
    """The gate's outcome and message from its checks: failed if one failed, skipped if none was judged."""
    failed = [check for check in checks if check.passed is False]
    judged = [check for check in checks if check.passed is not None]
    outcome = Outcome.FAILED if failed else Outcome.PASSED if judged else Outcome.SKIPPED
    shown = failed or judged or checks
    return outcome, "\n".join(f"{check.check}: {check.detail}" for check in shown)


def _not_judged(spec: SweepSpec, repeats: list[Record]) -> tuple[Outcome, str] | None:
    """("failed" or "skipped", why) when the repeats cannot be judged together."""
    unfinished = [record for record in repeats if record["outcome"] in UNFINISHED]
    if unfinished:
        return Outcome.FAILED, f"{len(unfinished)} of {len(repeats)} repeats did not finish: {_listing(unfinished)}"
    if len(repeats) < spec.repeat:
        return Outcome.SKIPPED, (
            f"{len(repeats)} of {spec.repeat} repeats ran in this session:"
            " a gate is judged when all of them are selected"
        )
    not_judged = [record for record in repeats if record["outcome"] in NOT_JUDGED]
    if not_judged:
        return Outcome.SKIPPED, f"a gate judges finished repeats only: {_listing(not_judged)}"
    return None


def _expression_checks(spec: SweepSpec, params: dict[str, Any], repeats: list[Record]) -> list[CheckResult]:
    metrics: dict[str, tuple[float, ...]] = {}
    for record in repeats:
        for name, value in record["metrics"].items():
            metrics[name] = (*metrics.get(name, ()), value)
    scopes = {"param": param_names(params, spec.short), "metric": metrics}
    names = {**flat_names(scopes), "count": len(repeats)}
    checks = []
    for gate in spec.gate:
        expression = gate.expression
        gaps = [  # (a metric no repeat reported is left to the evaluation, which names close ones)
            f"{read} is {r['metrics'].get(read.name, 'missing')} for {_seed(r)}"
            for read in expression.aggregated
            if read.name in metrics
            for r in repeats
            if finite(r["metrics"].get(read.name)) is None
        ]
        if gaps:  # a gate never passes on fewer values than its repeats
            checks.append(CheckResult(expression.text, False, "; ".join(gaps)))
            continue
        try:
            passed = bool(expression.evaluate(names, scopes))
        except EvaluationError as exc:
            checks.append(CheckResult(expression.text, False, str(exc)))
            continue
        shown = expression.describe(names, scopes).removeprefix(expression.text).removeprefix(": ")
        checks.append(CheckResult(expression.text, passed, shown))
    return checks


def _regression_checks(
    spec: SweepSpec, groups: Mapping[str, list[Record]], baseline: Baseline | None
) -> dict[str, CheckResult]:
    """The regression check of each configuration that has one: judged together, or why not."""
    rule = spec.regression
    if rule is None:
        return {}
    check = "regression"
    if baseline is None:
        return {name: CheckResult(check, None, "not judged: no --sweep-baseline given") for name in groups}
    if not any(sweep == spec.name for sweep, _ in baseline):  # another sweep's baseline: no gate passes by it
        held = ", ".join(repr(sweep) for sweep in sorted({sweep for sweep, _ in baseline}))
        foreign = f"the baseline holds no trial of sweep {spec.name!r} (it holds {held})"
        return {name: CheckResult(check, False, foreign) for name in groups}
    checks: dict[str, CheckResult] = {}
    sides: dict[str, Sides] = {}
    befores = {name: _baseline_repeats(spec.name, rows, rule.metric.name, baseline) for name, rows in groups.items()}
    if groups and not any(befores.values()):  # not one configuration to compare: no gate passes by it
        none = f"the baseline holds none of sweep {spec.name!r}'s configurations: is it this sweep's?"
        return {name: CheckResult(check, False, none) for name in groups}
    for name, repeats in groups.items():
        before = befores[name]
        now = {record["params"].get("seed"): record["metrics"].get(rule.metric.name) for record in repeats}
        problem = _sides_problem(rule.metric.name, now, before)
        if problem is not None:
            checks[name] = CheckResult(check, None if not before else False, problem)
        else:
            sides[name] = Sides.of(now, before, rule)  # type: ignore[arg-type]
    for name, comparison in compare_all(sides, rule).items():
        figures = {key: value for key, value in vars(comparison).items() if key not in ("metric", "regressed")}
        figures |= {"tolerance": rule.tolerance, "confidence": rule.confidence}
        checks[name] = CheckResult(check, not comparison.regressed, comparison.summary(rule), figures)
    return checks


def _sides_problem(metric: str, now: Mapping[Any, Any], before: Mapping[Any, Any]) -> str | None:
    """Why a configuration's repeats cannot be compared with the baseline's, if they cannot."""
    if not before:
        return "not judged: the baseline has no repeats of this configuration"
    for side, values in (("this run", now), ("the baseline", before)):
        missing = [seed for seed, value in values.items() if finite(value) is None]
        if missing:
            return f"{metric} is missing or not a number in {side} for seed {missing[0]}"
    if len(before) != len(now):
        return (
            f"the baseline has {len(before)} repeats of this configuration and this run {len(now)}:"
            " compare runs made with the same `repeat`"
        )
    return None


def _baseline_repeats(sweep: str, repeats: list[Record], metric: str, baseline: Baseline) -> dict[Any, Any]:
    """The baseline's values of the configuration of ``repeats``, by seed.

    Its rows of the same configuration are those whose trial id differs only in ``seed:N``;
    where ids do not end in the seed (shortened or numbered ids), the repeats' own trial ids.
    """
    names = {name for name, seed in map(configuration_of, (r["trial"] for r in repeats)) if seed is not None}
    alike = {
        seed: metrics.get(metric)
        for (other, trial), metrics in baseline.items()
        if other == sweep and isinstance(trial, str) and (pair := configuration_of(trial))[0] in names
        for seed in [pair[1]]
        if seed is not None
    }
    if alike:
        return alike
    same = ((r["params"].get("seed"), baseline.get((sweep, r["trial"]))) for r in repeats)
    return {seed: metrics.get(metric) for seed, metrics in same if metrics is not None}


def _listing(records: list[Record]) -> str:
    return "; ".join(f"{_seed(r)} {r['outcome']}: {_first_line(r['message'])}" for r in records)


def _seed(record: Record) -> str:
    return f"seed:{record['params'].get('seed')}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""

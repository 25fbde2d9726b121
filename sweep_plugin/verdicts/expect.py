"""Judging a trial: its metrics against the sweep's declared metrics and ``expect`` expressions.

A trial passes only when it reported every metric the sweep declares
(``metric:``, ``metrics:``) and every metric its ``expect`` reads, and met
its ``expect`` (SPEC section 13): a metric it never reported is a miss that
names what it did report, never a silent pass. The process that ran a trial
judges it when it ends, and ``--sweep-resume`` judges a stored result by
today's sweep file; both call `missed_expectations`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..expressions import EvaluationError, Expression, Read, Scopes, flat_names, param_names
from ..records.outcomes import ExpectationFailed

if TYPE_CHECKING:
    from ..spec import SweepSpec


def expectation_scopes(
    spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float], baseline: Mapping[str, float]
) -> Scopes:
    """What each quoted reader reads: ``param("batch-size")``, ``metric("val/f1")``, ``baseline("val/f1")``."""
    return {"param": param_names(params, spec.short), "metric": metrics, "baseline": baseline}


class Unreported(NamedTuple):
    """A metric the trial did not report, and where the sweep file asks for it: ``metric:`` or an ``expect``."""

    name: str
    where: str  # ``file:line``
    check: str = ""  # the ``expect`` that reads it; empty where the sweep declares it

    def line(self, metrics: Mapping[str, float], params: Mapping[str, Any]) -> str:
        """``f.yaml:4: metric 'acc' was not reported; the trial reported accuracy (did you mean 'accuracy'?)``."""
        reported = f"the trial reported {', '.join(sorted(metrics))}" if metrics else "the trial reported no metrics"
        close = difflib.get_close_matches(self.name, [*metrics, *params], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        check = f" {self.check}:" if self.check else ""
        return f"{self.where}:{check} metric {self.name!r} was not reported; {reported}{hint}"

    def not_run(self, trial: str) -> str:
        """Why the sweep's later trials are not run: what its first one showed."""
        asks = f"that {self.where} reads ({self.check})" if self.check else f"that {self.where} declares"
        return (
            f"not run: trial {trial} did not report the metric {self.name!r} {asks}; fix the sweep file or the"
            " program, then rerun these trials (pytest --lf)"
        )


def unreported(spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float]) -> list[Unreported]:
    """Each metric the sweep declares or an ``expect`` reads that the trial did not report."""
    declared = "metrics" if "metrics" in spec.key_lines else "metric"
    missing = [Unreported(m.name, _where(spec, spec.line_of(declared))) for m in spec.objectives]
    names = param_names(params, spec.short)
    for check in spec.expect:
        reads = dict.fromkeys(_metric_reads(check.expression, names))
        missing += [Unreported(name, _where(spec, check.line), check.expression.text) for name in reads]
    return [entry for entry in missing if entry.name not in metrics]


def _metric_reads(expression: Expression, params: Mapping[str, Any]) -> Iterator[str]:
    """The metrics an expression reads: ``metric("x")``, and bare names that are no parameter or ``baseline.``."""
    for read in expression.reads:
        if read.kind == "metric":
            yield read.name
        elif read.kind is None and not _reads_other_than_a_metric(expression, read, params):
            yield read.key


def _reads_other_than_a_metric(expression: Expression, read: Read, params: Mapping[str, Any]) -> bool:
    """A bare name of a parameter or the baseline, or one inside ``val/f1`` (the evaluation says how to quote)."""
    return read.key in params or read.key.startswith("baseline.") or expression.joined_name(read) is not None


def _where(spec: SweepSpec, line: int | None) -> str:
    return f"{spec.display}:{line}" if line else spec.display


def missed_expectations(
    spec: SweepSpec,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    baseline: Mapping[str, float],
    missing: list[Unreported] | None = None,
) -> list[str]:
    """A line per metric the trial did not report, then per missed ``expect`` (``f.yaml:7: acc >= 0.75: acc = 0.5``).

    ``missing`` is `unreported`'s answer where the caller has it already.
    """
    scopes = expectation_scopes(spec, params, metrics, baseline)
    names = flat_names(scopes)
    missing = unreported(spec, params, metrics) if missing is None else missing
    missed = [entry.line(metrics, scopes["param"]) for entry in missing]
    absent = {entry.name for entry in missing}
    for check in spec.expect:
        where = _where(spec, check.line)
        if absent & set(_metric_reads(check.expression, scopes["param"])):
            continue  # said above: the metric it reads was not reported
        try:
            ok = check.expression.evaluate(names, scopes)
        except EvaluationError as exc:
            missed.append(f"{where}: {check.expression.text}: {exc}")
            continue
        if not ok:
            missed.append(f"{where}: {check.expression.describe(names, scopes)}")
    return missed


def hidden_names(spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float]) -> list[str]:
    """Bare names ``expect`` reads that a metric of the same name hides: a parameter's, or a ``baseline.`` one.

    A quoted name (``param("lr")``, ``baseline("acc")``) reads its own scope, so nothing hides it.
    """
    read = {name.key for check in spec.expect for name in check.expression.reads if name.kind is None}
    other = param_names(params, spec.short)
    return sorted(name for name in metrics if name in read and (name in other or name.startswith("baseline.")))


def check_expectations(
    spec: SweepSpec, params: Mapping[str, Any], metrics: Mapping[str, float], baseline: Mapping[str, float]
) -> None:
    """Raise `ExpectationFailed` listing every metric the trial did not report and every ``expect`` it missed."""
    missing = unreported(spec, params, metrics)
    missed = missed_expectations(spec, params, metrics, baseline, missing)
    if missed:
        raise ExpectationFailed(missed, params, unreported=missing)

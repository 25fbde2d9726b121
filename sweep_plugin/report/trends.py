"""Trends across nights: each sweep's metric over the summaries the nightly runs kept.

A history folder holds one ``summary.csv`` per night, named
``<date>[-<commit>].csv`` (the nightly workflow writes them). For each sweep
and night: the best and the median metric of its trials and the middle half
of them; for each configuration (its trials but ``seed``), its mean. A step
change in a configuration's series is found as asv finds regressions: fit
the series with a piecewise-constant function under an L1 cost, adding a
step only where it lowers the cost by more than a penalty scaled to the
series' own noise (here by binary segmentation rather than asv's exact
solver). Each step is a row of trends.csv and a mark on the plot.
"""

from __future__ import annotations

import ast
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SweepError
from ..expressions import Expression, dotted_name
from ..ids import configuration_of
from ..records import FINISHED, Metric

NIGHT = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}-?\d{2}(?:-?\d{2})?)?)(?:[-_](?P<commit>[0-9a-f]{6,40}))?")
PENALTY = 6.0  # a step must save this many noise-widths of L1 cost (2% false steps on 14 flat nights)
MIN_SEGMENT = 2  # nights on each side of a step
LEVELS = ("mean", "median", "min", "max")  # gate statistics on the metric's own scale: their bars are drawn


@dataclass(frozen=True)
class Night:
    """One kept summary: when, which commit, and its rows."""

    date: str
    commit: str
    rows: pd.DataFrame


@dataclass
class SweepTrend:
    """One sweep over the nights: per night its best, median and quartiles; the configurations' steps."""

    sweep: str
    metric: Metric
    nights: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    best: list[float] = field(default_factory=list)
    median: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)  # one per step found in a configuration
    bars: list[tuple[str, float, str]] = field(default_factory=list)  # the gate's bars: (check, value, ">=" or "<=")


def read_history(folder: Path) -> list[Night]:
    """The summaries of ``folder``, oldest first; files not named by a date are left out."""
    nights = []
    for path in sorted(folder.glob("*.csv")):
        match = NIGHT.match(path.stem)
        if match is None:
            continue
        try:
            rows = pd.read_csv(path, dtype={"sweep": str, "trial": str, "outcome": str})
        except (ValueError, OSError, UnicodeDecodeError):  # an empty, cut-off or foreign file: not a night
            continue
        if {"sweep", "trial", "outcome"} <= set(rows.columns):
            nights.append(Night(match["date"], match["commit"] or "", rows))
    return sorted(nights, key=lambda night: night.date)


def trends(
    nights: Sequence[Night], metrics: dict[str, Metric], gates: Sequence[Mapping[str, Any]] = ()
) -> list[SweepTrend]:
    """Each sweep's trend over ``nights``; ``metrics`` says which metric (and goal) a sweep is judged by,
    ``gates`` (this run's) which bars its gate sets on it."""
    found: dict[str, SweepTrend] = {}
    series: dict[tuple[str, str], dict[int, float]] = {}  # (sweep, configuration) -> night index -> mean
    for index, night in enumerate(nights):
        for sweep, rows in night.rows.groupby("sweep", sort=False):
            metric = metrics.get(str(sweep)) or _guess_metric(rows)
            column = f"metrics.{metric.name}" if metric else None
            if metric is None or column not in rows:
                continue
            finished = rows[rows["outcome"].isin(FINISHED)]
            values = pd.to_numeric(finished[column], errors="coerce").dropna()
            if values.empty:
                continue
            if str(sweep) not in found:
                found[str(sweep)] = SweepTrend(str(sweep), metric, bars=gate_bars(gates, str(sweep), metric.name))
            trend = found[str(sweep)]
            trend.nights.append(night.date)
            trend.commits.append(night.commit)
            trend.best.append(float(metric.goal.best(values)))
            trend.median.append(float(values.median()))
            trend.low.append(float(values.quantile(0.25)))
            trend.high.append(float(values.quantile(0.75)))
            for configuration, mean in _configuration_means(finished.loc[values.index], values).items():
                series.setdefault((str(sweep), configuration), {})[index] = mean
    for (sweep, configuration), points in series.items():
        trend = found[sweep]
        ordered = sorted(points)
        values = [points[i] for i in ordered]
        for at in step_changes(values):
            before, after = statistics.median(values[:at]), statistics.median(values[at:])
            change = after - before
            worse = trend.metric.goal.sign * change < 0
            trend.steps.append(
                {
                    "sweep": sweep,
                    "configuration": configuration,
                    "night": nights[ordered[at]].date,
                    "commit": nights[ordered[at]].commit,
                    "before": before,
                    "after": after,
                    "change": change,
                    "direction": "worse" if worse else "better",
                }
            )
    return list(found.values())


def gate_bars(gates: Sequence[Mapping[str, Any]], sweep: str, metric: str) -> list[tuple[str, float, str]]:
    """The bars a sweep's ``gate:`` sets on ``metric``: ``mean(acc) >= 0.9`` -> ("mean(acc) >= 0.9", 0.9, ">=")."""
    texts = dict.fromkeys(
        str(check.get("check")) for gate in gates if gate.get("sweep") == sweep for check in gate.get("checks") or ()
    )
    bars = []
    for text in texts:
        try:
            tree = Expression.parse(text, gate=True).tree
        except SweepError:
            continue
        bar = _bar(tree, metric)
        if bar is not None:
            bars.append((text, *bar))
    return bars


def _bar(tree: ast.expr, metric: str) -> tuple[float, str] | None:
    """``stat(metric) >= number`` (or the mirror image) as (number, ">=" or "<=")."""
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1):
        return None
    left, op, right = tree.left, tree.ops[0], tree.comparators[0]
    if isinstance(left, ast.Constant):  # 0.9 <= mean(acc)
        left, right = right, left
        op = {ast.LtE: ast.GtE(), ast.Lt: ast.Gt(), ast.GtE: ast.LtE(), ast.Gt: ast.Lt()}.get(type(op), op)
    reads = (  # a statistic of the metric's level: std is on another scale
        isinstance(left, ast.Call)
        and isinstance(left.func, ast.Name)
        and left.func.id in LEVELS
        and len(left.args) == 1
        and dotted_name(left.args[0]) == metric
    )
    if not reads or not isinstance(right, ast.Constant) or not isinstance(right.value, int | float):
        return None
    if isinstance(op, ast.GtE | ast.Gt):
        return float(right.value), ">="
    if isinstance(op, ast.LtE | ast.Lt):
        return float(right.value), "<="
    return None


def _configuration_means(rows: pd.DataFrame, values: pd.Series) -> dict[str, float]:
    """The mean metric of each configuration (the trials' parameters but ``seed``), named by a trial id
    without its ``seed:N`` (``all`` when only the seed varies)."""
    params = [column for column in rows.columns if column.startswith("params.") and column != "params.seed"]
    keys = rows[params].astype(str).agg("|".join, axis=1) if params else pd.Series("", index=rows.index)
    names = rows["trial"].astype(str).map(lambda trial: configuration_of(trial)[0])
    means = values.groupby(keys.to_numpy()).mean()
    first_name = names.groupby(keys.to_numpy()).first()
    return {str(first_name[key]): float(mean) for key, mean in means.items()}


def step_changes(values: Sequence[float]) -> list[int]:
    """Where a series steps: the indices that start a new level (L1 piecewise-constant fit, noise-scaled penalty)."""
    if len(values) < 2 * MIN_SEGMENT:
        return []
    noise = _noise(values)
    penalty = PENALTY * noise
    steps: list[int] = []

    def split(start: int, end: int) -> None:
        whole = _l1(values[start:end])
        best, at = whole, None
        for cut in range(start + MIN_SEGMENT, end - MIN_SEGMENT + 1):
            cost = _l1(values[start:cut]) + _l1(values[cut:end])
            if cost < best:
                best, at = cost, cut
        if at is not None and whole - best > penalty:
            steps.append(at)
            split(start, at)
            split(at, end)

    split(0, len(values))
    return sorted(steps)


def _l1(values: Sequence[float]) -> float:
    middle = statistics.median(values)
    return sum(abs(value - middle) for value in values)


def _noise(values: Sequence[float]) -> float:
    """The series' night-to-night noise: the MAD of successive differences, as a standard deviation."""
    differences = np.diff(np.asarray(values, dtype=float))
    mad = float(np.median(np.abs(differences - np.median(differences)))) * 1.4826 / math.sqrt(2)
    scale = float(np.median(np.abs(values))) if len(values) else 0.0
    return max(mad, 1e-9 * max(scale, 1.0))


def _guess_metric(rows: pd.DataFrame) -> Metric | None:
    """The first metric column of a sweep without a declared metric, its goal guessed as every view guesses it."""
    for column in rows.columns:
        if column.startswith("metrics.") and rows[column].notna().any():
            return Metric.guessed(column.removeprefix("metrics."))
    return None


def trends_frame(found: Sequence[SweepTrend]) -> pd.DataFrame:
    """trends.csv: a row per sweep and night, and a row per step found in a configuration."""
    rows: list[dict[str, Any]] = []
    for trend in found:
        for i, night in enumerate(trend.nights):
            rows.append(
                {
                    "sweep": trend.sweep,
                    "kind": "night",
                    "night": night,
                    "commit": trend.commits[i],
                    "metric": trend.metric.name,
                    "best": trend.best[i],
                    "median": trend.median[i],
                    "q1": trend.low[i],
                    "q3": trend.high[i],
                }
            )
        rows.extend({**step, "kind": "step", "metric": trend.metric.name} for step in trend.steps)
    return pd.DataFrame(rows)

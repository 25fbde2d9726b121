"""What a sweep says about its parameters: per-value stats, tipping points, importance.

All three are computed over the sweep's *finished* trials (outcome
``passed`` or ``failed``) that have a finite value of the sweep's metric
(see ``records`` for how that metric is chosen).

Grouping. Trials are grouped by each parameter's value. A numeric parameter
with more than ``MAX_GROUPS`` distinct values (random or Latin-hypercube
search) is grouped into at most ``MAX_GROUPS`` quantile bins instead; a bin
is shown as its interval, e.g. ``(0.01, 0.03]`` (the first one closed:
``[0.001, 0.01]``). Lists and mappings are compared as their JSON text.

param_stats. For every parameter and group: ``count, mean, std, median,
min, max`` of the metric (``std`` is the sample standard deviation, empty
for a single trial).

Tipping point. For every numeric parameter, the two neighbouring groups
(in value order) between which the mean metric changes most:
``tipping_from``, ``tipping_to`` and the signed change ``tipping_delta``
(mean at ``tipping_to`` minus mean at ``tipping_from``).

Importance. See `importance`: one-way ANOVA for grouped parameters, Optuna's
PED-ANOVA for sampled ones, checked against shuffles of the metric.
``importance`` is a parameter's share, empty when no parameter stands out
from chance (too few trials to rank); ``p_value`` says how often chance did
as well; the ``seed`` of repeats takes no share: its ``noise_share`` is the
variance between repeats of one configuration. ``eta_squared`` describes the
groups of param_stats.csv (SS_between / SS_total over values or bins).

Scale. A parameter's ``scale`` is what the sweep declared (``log``,
``linear``, ``categorical``). Without a declaration, non-numeric values are
``categorical``, and positive numbers spanning at least two decades are
``log``, else ``linear``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from ..records import FINISHED, Goal, Metric
from .grouping import Sweep, best_record, pareto_front, sweep_objectives
from .importance import MAX_GROUPS, NOISE, Importance, importance
from .tables import history_frame, trials_frame

STAT_COLUMNS = ["parameter", "value", "count", "mean", "std", "median", "min", "max"]
ANALYSIS_COLUMNS = [
    "parameter",
    "scale",
    "groups",
    "importance",
    "p_value",
    "noise_share",
    "eta_squared",
    "best_value",
    "best_mean",
    "tipping_from",
    "tipping_to",
    "tipping_delta",
]


@dataclass
class SweepData:
    """Everything the tables, plots and page need about one sweep."""

    sweep: Sweep
    metric: Metric | None
    trials: pd.DataFrame
    history: pd.DataFrame
    params: list[str]
    scales: dict[str, str]
    y: pd.Series  # metric of the finished trials that have one, indexed like ``trials``
    keys: dict[str, pd.Series] = field(default_factory=dict)  # group per trial in ``y``
    stats: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STAT_COLUMNS))
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ANALYSIS_COLUMNS))
    importance: Importance = field(default_factory=lambda: Importance("anova", {}, {}, None, 0))
    best: tuple[float, Mapping[str, Any]] | None = None
    objectives: list[Metric] = field(default_factory=list)  # of a multi-objective sweep
    front: list[Mapping[str, Any]] = field(default_factory=list)  # its Pareto front

    def column(self, param: str) -> pd.Series:
        """Raw values of ``param`` for every trial."""
        return self.trials[f"params.{param}"]

    def varying(self) -> list[str]:
        """Parameters with at least two groups among the analysed trials."""
        return [p for p in self.params if p in self.keys and self.keys[p].nunique() > 1]

    def ranked_params(self) -> list[str]:
        """Varying parameters, most important first (in file order while none is ranked); ``seed`` last."""
        shares = self.importance.shares if self.importance.ranked else {}
        order = {p: i for i, p in enumerate(self.params)}
        return sorted(self.varying(), key=lambda p: (p == NOISE, -shares.get(p, 0.0), order[p]))


def analyse(sweep: Sweep) -> SweepData:
    """Frames and statistics of one sweep."""
    metric = sweep.metric
    trials = trials_frame(sweep.records)
    params = [c.removeprefix("params.") for c in trials.columns if c.startswith("params.")]
    data = SweepData(
        sweep=sweep,
        metric=metric,
        trials=trials,
        history=history_frame(sweep.records),
        params=params,
        scales={},
        y=metric_values(trials, metric),
        best=best_record(sweep.records, metric),
    )
    data.objectives = sweep_objectives(sweep.records)
    data.front = pareto_front(sweep.records, data.objectives) if data.objectives else []
    declared = _declared_scales(sweep)
    data.scales = {p: declared.get(p) or infer_scale(data.column(p)) for p in params}
    data.keys = {p: group_keys(data.column(p).loc[data.y.index]) for p in params}
    data.stats = param_stats(data)
    if metric is not None:
        columns = {p: data.column(p) for p in params}
        data.importance = importance(data.y, columns, data.scales, metric.goal)
    data.table = param_table(data)
    return data


def metric_values(trials: pd.DataFrame, metric: Metric | None) -> pd.Series:
    """Finite metric values of the finished trials (others left out)."""
    column = f"metrics.{metric.name}" if metric else None
    if column is None or column not in trials:
        return pd.Series(dtype=float)
    values = pd.to_numeric(trials[column].where(~trials[column].map(_is_bool)), errors="coerce")
    values = values.astype(float).where(trials["outcome"].isin(FINISHED))
    return values[np.isfinite(values)]


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _declared_scales(sweep: Sweep) -> dict[str, str]:
    scales: dict[str, str] = {}
    for rec in sweep.records:
        for name, scale in rec["scales"].items():
            if scale in ("log", "linear", "categorical"):
                scales.setdefault(name, scale)
    return scales


def numeric(values: pd.Series) -> pd.Series | None:
    """``values`` as floats if every present value is a number (not a bool), else None."""
    present = values.dropna()
    if present.empty or present.map(_is_bool).any():
        return None
    converted = pd.to_numeric(present, errors="coerce")
    if converted.isna().any():
        return None
    return pd.to_numeric(values, errors="coerce").astype(float)


def infer_scale(values: pd.Series) -> str:
    """``categorical``, ``log`` (positive, two decades or more) or ``linear``."""
    nums = numeric(values)
    if nums is None:
        return "categorical"
    nums = nums.dropna()
    if len(nums) and nums.min() > 0 and nums.max() / nums.min() >= 100:
        return "log"
    return "linear"


def group_keys(values: pd.Series) -> pd.Series:
    """Group of each value: the value itself, its text, or its quantile bin.

    Missing values are dropped. Numeric keys are floats; bins are an ordered
    Categorical of interval labels.
    """
    values = values.dropna()
    nums = numeric(values)
    if nums is None:
        return values.map(str)
    if nums.nunique() <= MAX_GROUPS:
        return pd.to_numeric(values)  # keeps ints as ints
    return quantile_bins(nums)


def quantile_bins(nums: pd.Series, bins: int = MAX_GROUPS) -> pd.Series:
    """``nums`` cut into at most ``bins`` quantile bins, labelled by interval."""
    edges = np.unique(np.quantile(nums.to_numpy(), np.linspace(0.0, 1.0, bins + 1)))
    codes = np.searchsorted(edges[1:-1], nums.to_numpy(), side="left")
    labels = [f"({fmt(a, 3)}, {fmt(b, 3)}]" for a, b in pairwise(edges)]
    labels[0] = "[" + labels[0][1:]
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(labels), ordered=True), index=nums.index)


def fmt(value: Any, digits: int = 4) -> str:
    """A short label for a value: floats with ``digits`` significant digits."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}g}"
    return str(value)


def is_binned(keys: pd.Series) -> bool:
    return isinstance(keys.dtype, pd.CategoricalDtype)


def grouped(data: SweepData, param: str) -> pd.DataFrame:
    """Metric stats per group of ``param``, in value order (bins in bin order)."""
    keys = data.keys[param]
    frame = pd.DataFrame({"key": keys, "y": data.y.loc[keys.index]})
    stats = frame.groupby("key", observed=True, sort=True)["y"].agg(["count", "mean", "std", "median", "min", "max"])
    return stats.astype({"count": int})


def param_stats(data: SweepData) -> pd.DataFrame:
    """param_stats.csv: metric stats per parameter and value (or bin)."""
    parts = []
    for param in data.params:
        stats = grouped(data, param)
        if stats.empty:
            continue
        stats = stats.reset_index(names="value")
        stats["value"] = stats["value"].astype(object)
        stats.insert(0, "parameter", param)
        parts.append(stats)
    if not parts:
        return pd.DataFrame(columns=STAT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[STAT_COLUMNS]


def param_table(data: SweepData) -> pd.DataFrame:
    """analysis.csv: importance, best value and tipping point per parameter, most important first."""
    table = pd.DataFrame([_param_row(data, param) for param in data.params], columns=ANALYSIS_COLUMNS)
    table = table.astype({"importance": float, "p_value": float, "noise_share": float})
    return table.sort_values("importance", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def _param_row(data: SweepData, param: str) -> dict[str, Any]:
    """One analysis row."""
    stats = grouped(data, param)
    keys = data.keys[param]
    found = data.importance
    row: dict[str, Any] = {
        "parameter": param,
        "scale": data.scales.get(param, "linear"),
        "groups": len(stats),
        "importance": found.shares.get(param) if found.ranked else None,
        "p_value": found.p_values.get(param),
        "noise_share": found.noise if param == NOISE else None,
        "eta_squared": eta_squared(data.y.loc[keys.index], keys),
    }
    if len(stats) and data.metric is not None:
        means = stats["mean"]
        if data.metric.goal is Goal.MINIMIZE:
            row.update(best_value=_label(means.idxmin()), best_mean=float(means.min()))
        else:
            row.update(best_value=_label(means.idxmax()), best_mean=float(means.max()))
    if len(stats) > 1 and (is_binned(keys) or numeric(keys) is not None):
        steps = stats["mean"].diff().iloc[1:]
        i = int(np.argmax(np.abs(steps.to_numpy())))
        row.update(
            tipping_from=_label(stats.index[i]),
            tipping_to=_label(stats.index[i + 1]),
            tipping_delta=float(steps.iloc[i]),
        )
    return row


def _label(key: Any) -> Any:
    """A group key as a builtin: numbers stay numbers, bins are text."""
    return key.item() if isinstance(key, np.generic) else key


def eta_squared(y: pd.Series, keys: pd.Series) -> float:
    """SS_between / SS_total of ``y`` grouped by ``keys``: how much the groups shown differ (not a ranking)."""
    total = float(((y - y.mean()) ** 2).sum())
    if len(y) < 2 or total <= 0:
        return 0.0
    groups = pd.DataFrame({"key": keys, "y": y}).groupby("key", observed=True)["y"].agg(["count", "mean"])
    between = float((groups["count"] * (groups["mean"] - y.mean()) ** 2).sum())
    return min(between / total, 1.0)

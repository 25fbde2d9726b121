"""PNG plots of one sweep: outcomes, importance, adaptive search, the metric against each parameter, a heat map.

Each plot returns None when it has no data (a sweep with no finished trials,
one parameter), and the caller skips it. The metric against a parameter
shows points plus the mean and standard deviation per value or bin, on a
log axis for log-scaled parameters; the heat map, the mean metric over the
two most important parameters. Learning curves are `curves`' plots, gates'
and trends' `gate_plots`'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..records import FINISHED, Goal
from .analysis import SweepData, fmt, grouped, is_binned, numeric
from .curves import curves_plot
from .figures import (
    MAX_CATEGORIES,
    MAX_CURVE_METRICS,
    MAX_PARAM_PLOTS,
    MEAN_COLOR,
    OUTCOME_COLORS,
    POINT_COLOR,
    figure,
    legend_below,
    metric_label,
    opacity,
    render,
    robust_ylim,
    slug,
    title,
    unique_slugs,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def sweep_plots(data: SweepData) -> Iterator[tuple[str, Callable[[], bytes | None]]]:
    """(file name, render) for each plot of the sweep; render gives PNG bytes or None."""
    yield "outcomes.png", lambda: render(outcomes_plot, data)
    if data.metric is not None:
        if data.front:
            yield "pareto.png", lambda: render(pareto_plot, data)
        if adaptive_order(data) is not None:  # a bayes sweep: what people look at for adaptive search
            yield "optimization_history.png", lambda: render(history_plot, data)
            yield "search.png", lambda: render(search_plot, data)
        yield "importance.png", lambda: render(importance_plot, data)
        yield "heatmap.png", lambda: render(heatmap_plot, data)
        params = data.ranked_params()[:MAX_PARAM_PLOTS]
        for param, param_slug in zip(params, unique_slugs(params), strict=True):
            yield f"{slug(data.metric.name)}_vs_{param_slug}.png", _bind(metric_vs_param_plot, data, param)
    metrics = [str(m) for m in data.history["metric"].unique()[:MAX_CURVE_METRICS]]
    for name, name_slug in zip(metrics, unique_slugs(metrics), strict=True):
        yield f"curves_{name_slug}.png", _bind(curves_plot, data, name)


def _bind(plot: Callable[..., Figure | None], data: SweepData, arg: Any) -> Callable[[], bytes | None]:
    return lambda: render(plot, data, arg)


# --------------------------------------------------------------- outcomes


def outcomes_plot(data: SweepData) -> Figure | None:
    counts = data.trials["outcome"].value_counts()
    if counts.empty:
        return None
    order = [o for o in OUTCOME_COLORS if o in counts] + [o for o in counts.index if o not in OUTCOME_COLORS]
    values = [int(counts[o]) for o in order]
    fig, ax = figure(figsize=(5.2, 3.2))
    bars = ax.bar(order, values, color=[OUTCOME_COLORS.get(o, "#9e9e9e") for o in order], width=0.6)
    ax.bar_label(bars, padding=2, fontsize=8.5)
    ax.set_ylabel("trials")
    ax.set_ylim(0, max(values) * 1.15)
    ax.grid(axis="x", visible=False)
    title(ax, data, f"outcomes of {len(data.trials)} trials")
    return fig


# --------------------------------------------------------------- importance


def importance_plot(data: SweepData) -> Figure | None:
    table = data.table[data.table["groups"] > 1]
    if table.empty or not (table["importance"] > 0).any():
        return None
    table = table.iloc[::-1]
    fig, ax = figure(figsize=(5.6, 1.4 + 0.32 * len(table)))
    bars = ax.barh(table["parameter"], table["importance"], color=POINT_COLOR, height=0.6)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in table["importance"]], padding=3, fontsize=8)
    ax.set_xlim(0, min(1.0, table["importance"].max() * 1.2 + 0.02))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"share of explained variance of {data.metric.name if data.metric else ''} (\u03b5\u00b2)")
    ax.grid(axis="y", visible=False)
    title(ax, data, "parameter importance")
    return fig


# --------------------------------------------------------------- adaptive search

_SLOT = re.compile(r"trial:(\d+)")


def adaptive_order(data: SweepData) -> pd.Series | None:
    """Each trial's number, if the sweep's trials are numbered slots (``trial:07``), else None."""
    numbers = data.trials["trial"].map(lambda t: int(m[1]) if (m := _SLOT.fullmatch(str(t))) else -1)
    return numbers if len(numbers) and (numbers >= 0).all() else None


def history_plot(data: SweepData) -> Figure | None:
    """The metric of each trial in the order they were numbered, and the best so far."""
    order = adaptive_order(data)
    if order is None or data.metric is None or len(data.y) < 2:
        return None
    numbers = order.loc[data.y.index].to_numpy()
    sort = np.argsort(numbers)
    x, y = numbers[sort], data.y.to_numpy()[sort]
    best = np.minimum.accumulate(y) if data.metric.goal is Goal.MINIMIZE else np.maximum.accumulate(y)
    fig, ax = figure()
    ax.scatter(x, y, s=14, c=POINT_COLOR, alpha=opacity(len(y), 2.5), linewidths=0, label="trial", zorder=2)
    ax.step(x, best, where="post", color=MEAN_COLOR, linewidth=1.6, label="best so far", zorder=3)
    ax.set_xlabel("trial number")
    ax.set_ylabel(metric_label(data))
    robust_ylim(ax, y)
    title(ax, data, "optimization history")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def pareto_plot(data: SweepData) -> Figure | None:
    """The first two objectives of every finished trial, the Pareto front joined up."""
    first, second = data.objectives[:2]

    def values(records: list[Any]) -> tuple[list[float], list[float]]:
        pairs = [(r["metrics"].get(first.name), r["metrics"].get(second.name)) for r in records]
        kept = [(a, b) for a, b in pairs if isinstance(a, int | float) and isinstance(b, int | float)]
        return [a for a, _ in kept], [b for _, b in kept]

    finished = [r for r in data.sweep.records if r.get("outcome") in FINISHED]
    x, y = values(finished)
    fx, fy = values(sorted(data.front, key=lambda r: r["metrics"].get(first.name)))
    if len(fx) < 1 or len(x) < 2:
        return None
    fig, ax = figure()
    ax.scatter(x, y, s=14, c="#9e9e9e", alpha=opacity(len(x), 2.5), linewidths=0, label="trial", zorder=2)
    ax.plot(fx, fy, "-o", color=POINT_COLOR, markersize=5, linewidth=1.2, label="Pareto front", zorder=3)
    arrows = {m.name: m.goal.arrow for m in (first, second)}
    ax.set_xlabel(f"{first.name} ({arrows[first.name]} better)")
    ax.set_ylabel(f"{second.name} ({arrows[second.name]} better)")
    title(ax, data, f"Pareto front ({len(data.front)} trials)")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def search_plot(data: SweepData) -> Figure | None:
    """Where the sampler searched: the two most important numeric parameters, coloured by trial number."""
    order = adaptive_order(data)
    params = [p for p in data.ranked_params() if p != "seed" and numeric(data.column(p)) is not None]
    if order is None or data.metric is None or len(params) < 2 or len(data.y) < 2:
        return None
    x_name, y_name = params[:2]
    index = data.y.index
    x, y = numeric(data.column(x_name)), numeric(data.column(y_name))
    assert x is not None and y is not None
    fig, ax = figure()
    points = ax.scatter(
        x.loc[index], y.loc[index], c=order.loc[index], cmap="viridis", s=22, linewidths=0, alpha=0.85, zorder=2
    )
    if data.best is not None:
        best = data.best[1]
        ax.scatter(
            [best["params"].get(x_name)],
            [best["params"].get(y_name)],
            marker="*",
            s=180,
            c="#d62728",
            zorder=3,
            label=f"best ({best['trial']})",
        )
    for values, name, axis in ((x, x_name, "x"), (y, y_name, "y")):
        if data.scales.get(name) == "log" and bool((values.loc[index] > 0).all()):
            getattr(ax, f"set_{axis}scale")("log")
    fig.colorbar(points, ax=ax, label="trial number")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    title(ax, data, "where the sampler searched")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


# --------------------------------------------------------------- metric vs parameter


def metric_vs_param_plot(data: SweepData, param: str) -> Figure | None:
    keys = data.keys.get(param)
    if keys is None or keys.nunique() < 2 or data.metric is None:
        return None
    raw = data.column(param).loc[keys.index]
    y = data.y.loc[keys.index]
    stats = grouped(data, param)
    scale = data.scales.get(param, "linear")
    nums = numeric(raw)
    fig, ax = figure()
    if nums is None or scale == "categorical":
        if len(stats) > MAX_CATEGORIES:
            return None
        _categorical_points(ax, keys, y, stats, data)
    else:
        _numeric_points(ax, nums, keys, y, stats, data, log=scale == "log" and bool((nums > 0).all()))
    ax.set_xlabel(param + ("  (log scale)" if ax.get_xscale() == "log" else ""))
    ax.set_ylabel(metric_label(data))
    title(ax, data, f"{data.metric.name} vs {param}")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def _point_colors(data: SweepData, index: pd.Index) -> tuple[np.ndarray, bool]:
    """Point colour per trial (failed expectations stand out) and whether any failed."""
    failed = (data.trials.loc[index, "outcome"] == "failed").to_numpy()
    colors = np.where(failed, OUTCOME_COLORS["failed"], POINT_COLOR)
    return colors, bool(failed.any())


def _scatter(ax: Axes, x: np.ndarray, y: pd.Series, data: SweepData) -> None:
    colors, any_failed = _point_colors(data, y.index)
    alpha = opacity(len(y), 2.5)
    ax.scatter(x, y.to_numpy(), s=10 if len(y) < 500 else 5, c=colors, alpha=alpha, linewidths=0, zorder=2)
    ax.scatter([], [], s=14, c=POINT_COLOR, label="trial (passed)")
    if any_failed:
        ax.scatter([], [], s=14, c=OUTCOME_COLORS["failed"], label="trial (missed expectation)")


def _numeric_points(
    ax: Axes, nums: pd.Series, keys: pd.Series, y: pd.Series, stats: pd.DataFrame, data: SweepData, log: bool
) -> None:
    if log:
        ax.set_xscale("log")
    _scatter(ax, nums.to_numpy(), y, data)
    if is_binned(keys):
        x = nums.groupby(keys, observed=True).median().reindex(stats.index).to_numpy()
    else:
        x = stats.index.to_numpy(dtype=float)
    _mean_line(ax, x, stats, "mean per bin" if is_binned(keys) else "mean per value")


def _categorical_points(ax: Axes, keys: pd.Series, y: pd.Series, stats: pd.DataFrame, data: SweepData) -> None:
    positions = {key: i for i, key in enumerate(stats.index)}
    codes = keys.map(positions).to_numpy(dtype=float)
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(codes))
    _scatter(ax, codes + jitter, y, data)
    _mean_line(ax, np.arange(len(stats), dtype=float), stats, "mean per value", line=False)
    ax.set_xticks(range(len(stats)), [fmt(k)[:18] for k in stats.index])
    if len(stats) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    ax.grid(axis="x", visible=False)


def _mean_line(ax: Axes, x: np.ndarray, stats: pd.DataFrame, label: str, line: bool = True) -> None:
    mean = stats["mean"].to_numpy()
    std = stats["std"].fillna(0.0).to_numpy()
    ax.errorbar(
        x,
        mean,
        yerr=std,
        fmt="o-" if line else "D",
        color=MEAN_COLOR,
        ms=4.5,
        lw=1.6,
        elinewidth=1.0,
        capsize=3,
        zorder=3,
        label=f"{label} \u00b1 std",
    )


def heatmap_plot(data: SweepData) -> Figure | None:
    params = [p for p in data.ranked_params() if p != "seed"][:2]
    if len(params) < 2 or data.metric is None:
        return None
    col, row = params
    keys_x, keys_y = data.keys[col], data.keys[row]
    common = keys_x.index.intersection(keys_y.index)
    frame = pd.DataFrame({"x": keys_x.loc[common], "y": keys_y.loc[common], "v": data.y.loc[common]})
    grid = frame.pivot_table(index="y", columns="x", values="v", aggfunc="mean", observed=True, sort=True)
    if grid.empty or grid.shape[0] > MAX_CATEGORIES or grid.shape[1] > MAX_CATEGORIES:
        return None
    return _draw_heatmap(
        data, grid, col, row, others=len(data.varying()) > 2 or bool(frame.duplicated(["x", "y"]).any())
    )


def _draw_heatmap(data: SweepData, grid: pd.DataFrame, col: str, row: str, others: bool) -> Figure:
    import matplotlib

    assert data.metric is not None
    cmap_name = "viridis_r" if data.metric.goal is Goal.MINIMIZE else "viridis"
    cmap = matplotlib.colormaps[cmap_name].with_extremes(bad="#eeeeee")
    matrix = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    width = min(9.0, 3.2 + 0.55 * grid.shape[1])
    height = min(8.0, 2.0 + 0.4 * grid.shape[0])
    fig, ax = figure(figsize=(width, height))
    image = ax.imshow(matrix, cmap=cmap, aspect="auto", origin="lower", interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(range(grid.shape[1]), [fmt(k, 3)[:24] for k in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [fmt(k, 3)[:24] for k in grid.index])
    if grid.shape[1] > 6:
        ax.tick_params(axis="x", labelrotation=45)
    if matrix.size <= 150:
        _annotate(ax, image, matrix)
    ax.set_xlabel(col)
    ax.set_ylabel(row)
    fig.colorbar(image, ax=ax, label=f"mean {data.metric.name}", pad=0.02)
    title(ax, data, f"mean {data.metric.name} by {col} \u00d7 {row}", pad=16 if others else None)
    if others:
        note = "averaged over the other parameters and repeats"
        ax.text(0, 1.01, note, transform=ax.transAxes, fontsize=8, color="#616161", va="bottom")
    return fig


def _annotate(ax: Axes, image: Any, matrix: np.ma.MaskedArray) -> None:
    """Write each cell's value, dark on light cells and light on dark ones."""
    size = 8 if matrix.size <= 36 else 6.5
    for (i, j), value in np.ndenumerate(matrix.filled(np.nan)):
        if not np.isfinite(value):
            continue
        r, g, b, _ = image.cmap(image.norm(value))
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.55
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=size, color="#212121" if light else "white")


# --------------------------------------------------------------- gates

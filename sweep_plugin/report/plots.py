"""PNG plots of one sweep: outcomes, importance, adaptive search, the metric against each parameter, a pair.

Each plot returns None when it has no data (a sweep with no finished trials,
one parameter), and the caller skips it. How a parameter's values were drawn
decides its view (`importance.is_sampled`): grid values show the mean and
standard deviation at each value, values drawn from a range a smoothed trend
through the trials; the top two parameters are a heat map of cell means on a
grid and a scatter coloured by the metric when either was sampled. Log-scaled
parameters get log axes. Learning curves are `curves`' plots, gates' and
trends' `gate_plots`'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..records import FINISHED, Goal
from .analysis import SweepData, fmt, grouped, numeric
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
    short,
    slug,
    title,
    unique_slugs,
)
from .importance import NOISE, is_sampled

CHANCE_COLOR = "#bdbdbd"  # a parameter whose share chance matches
MIN_TREND_POINTS = 5

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
        if pair_is_sampled(data):
            yield "scatter.png", lambda: render(scatter_plot, data)
        else:
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
    """The parameters' shares, those within chance greyed; the noise between repeats said above them."""
    from matplotlib.patches import Patch

    found = data.importance
    if not found.ranked:
        return None  # too few trials to rank: the page says so
    params = sorted(found.shares, key=lambda p: found.shares[p])
    shares = [found.shares[p] for p in params]
    colors = [POINT_COLOR if found.stands_out(p) else CHANCE_COLOR for p in params]
    fig, ax = figure(figsize=(5.6, 1.6 + 0.32 * len(params)))
    bars = ax.barh(params, shares, color=colors, height=0.6)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in shares], padding=3, fontsize=8)
    ax.set_xlim(0, min(1.0, max(shares) * 1.2 + 0.02))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(found.estimator)
    ax.grid(axis="y", visible=False)
    title(ax, data, "parameter importance", pad=16 if found.noise is not None else None)
    if found.noise is not None:
        noise = f"noise between seeds: {found.noise:.0%} of the variance"  # short: it must fit above the bars
        ax.text(0, 1.01, noise, transform=ax.transAxes, fontsize=8, color="#616161", va="bottom")
    handles = [Patch(color=POINT_COLOR, label="stands out from chance")]
    if CHANCE_COLOR in colors:
        handles.append(Patch(color=CHANCE_COLOR, label="within chance"))
    legend_below(fig, handles)
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
    """Grid values: the mean and spread at each value. Values drawn from a range: a smoothed trend through them."""
    if log:
        ax.set_xscale("log")
    _scatter(ax, nums.to_numpy(), y, data)
    if is_sampled(nums) and len(nums) >= MIN_TREND_POINTS:
        _trend(ax, nums.to_numpy(dtype=float), y.to_numpy(dtype=float), log)
    else:  # grid values, or too few points for a trend: the mean (and spread) at each value
        _mean_line(ax, stats.index.to_numpy(dtype=float), stats, "mean per value")


def _trend(ax: Axes, x: np.ndarray, y: np.ndarray, log: bool) -> None:
    """A Gaussian-kernel smoothed trend (Nadaraya-Watson), on the axis' own scale; Scott's rule for the width."""
    u = np.log10(x) if log else x
    width = 1.06 * float(np.std(u)) * len(u) ** -0.2
    if width <= 0:
        return
    grid = np.linspace(u.min(), u.max(), 200)
    weights = np.exp(-0.5 * ((grid[:, None] - u[None, :]) / width) ** 2)
    trend = weights @ y / weights.sum(axis=1)
    ax.plot(10**grid if log else grid, trend, color=MEAN_COLOR, lw=1.8, zorder=3, label="smoothed trend")


def _categorical_points(ax: Axes, keys: pd.Series, y: pd.Series, stats: pd.DataFrame, data: SweepData) -> None:
    positions = {key: i for i, key in enumerate(stats.index)}
    codes = keys.map(positions).to_numpy(dtype=float)
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, len(codes))
    _scatter(ax, codes + jitter, y, data)
    _mean_line(ax, np.arange(len(stats), dtype=float), stats, "mean per value", line=False)
    ax.set_xticks(range(len(stats)), [short(fmt(k), 18) for k in stats.index])
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


def top_pair(data: SweepData) -> tuple[str, str] | None:
    """The two most important parameters (``seed`` is noise, not one), if the sweep varies two."""
    params = [p for p in data.ranked_params() if p != NOISE][:2]
    return (params[0], params[1]) if len(params) == 2 and data.metric is not None else None


def pair_is_sampled(data: SweepData) -> bool:
    """Whether either of the top two parameters was drawn from a range: a scatter then, not a heat map."""
    pair = top_pair(data)
    return pair is not None and any(is_sampled(data.column(p).loc[data.y.index]) for p in pair)


def heatmap_plot(data: SweepData) -> Figure | None:
    """The mean metric in each cell of the top two parameters' grid."""
    pair = top_pair(data)
    if pair is None:
        return None
    col, row = pair
    keys_x, keys_y = data.keys[col], data.keys[row]
    common = keys_x.index.intersection(keys_y.index)
    frame = pd.DataFrame({"x": keys_x.loc[common], "y": keys_y.loc[common], "v": data.y.loc[common]})
    grid = frame.pivot_table(index="y", columns="x", values="v", aggfunc="mean", observed=True, sort=True)
    if grid.empty or grid.shape[0] > MAX_CATEGORIES or grid.shape[1] > MAX_CATEGORIES:
        return None
    return _draw_heatmap(
        data, grid, col, row, others=len(data.varying()) > 2 or bool(frame.duplicated(["x", "y"]).any())
    )


def scatter_plot(data: SweepData) -> Figure | None:
    """Each trial at its values of the top two parameters, coloured by the metric; the best starred."""
    pair = top_pair(data)
    if pair is None or data.metric is None:
        return None
    col, row = pair
    x, y = data.column(col).loc[data.y.index], data.column(row).loc[data.y.index]
    shown = x.notna() & y.notna()
    if shown.sum() < 2:
        return None
    fig, ax = figure()
    cmap = "viridis_r" if data.metric.goal is Goal.MINIMIZE else "viridis"
    points = ax.scatter(
        _positions(ax, x[shown], data, col, "x"),
        _positions(ax, y[shown], data, row, "y"),
        c=data.y[shown],
        cmap=cmap,
        s=26,
        linewidths=0.3,
        edgecolors="white",
        zorder=2,
    )
    if data.best is not None:
        best = data.best[1]["params"]
        if (
            best.get(col) is not None
            and best.get(row) is not None
            and numeric(pd.Series([best[col], best[row]])) is not None
        ):
            ax.scatter([best[col]], [best[row]], marker="*", s=200, c="#d62728", zorder=3, label="best")
    fig.colorbar(points, ax=ax, label=metric_label(data), pad=0.02)
    ax.set_xlabel(col + ("  (log scale)" if ax.get_xscale() == "log" else ""))
    ax.set_ylabel(row + ("  (log scale)" if ax.get_yscale() == "log" else ""))
    title(ax, data, f"{data.metric.name} by {col} \u00d7 {row}")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def _positions(ax: Axes, values: pd.Series, data: SweepData, param: str, axis: str) -> np.ndarray:
    """Numbers where they are (a log axis for a log scale), categories at evenly spaced, labelled positions."""
    nums = numeric(values)
    if nums is not None and data.scales.get(param) != "categorical":
        if data.scales.get(param) == "log" and bool((nums > 0).all()):
            getattr(ax, f"set_{axis}scale")("log")
        return np.asarray(nums, dtype=float)
    labels = sorted(values.map(str).unique())
    getattr(ax, f"set_{axis}ticks")(range(len(labels)), [short(label, 18) for label in labels])
    return np.asarray(values.map(str).map({label: i for i, label in enumerate(labels)}), dtype=float)


def _draw_heatmap(data: SweepData, grid: pd.DataFrame, col: str, row: str, others: bool) -> Figure:
    import matplotlib

    assert data.metric is not None
    cmap_name = "viridis_r" if data.metric.goal is Goal.MINIMIZE else "viridis"
    cmap = matplotlib.colormaps[cmap_name].with_extremes(bad="#eeeeee")
    matrix = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    width = min(9.0, 3.2 + 0.55 * grid.shape[1])
    height = min(8.0, 2.6 + 0.4 * grid.shape[0])  # room for a two-line title, a note and turned labels
    fig, ax = figure(figsize=(width, height))
    image = ax.imshow(matrix, cmap=cmap, aspect="auto", origin="lower", interpolation="nearest")
    ax.grid(False)
    ax.set_xticks(range(grid.shape[1]), [short(fmt(k, 3), 20) for k in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [short(fmt(k, 3), 20) for k in grid.index])
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

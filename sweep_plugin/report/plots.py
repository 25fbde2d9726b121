"""PNG plots of one sweep, drawn with matplotlib's Agg canvas.

Figures are made with ``matplotlib.figure.Figure`` and an Agg canvas, never
``pyplot``: no display is needed and the user's own backend and pyplot state
are left alone. matplotlib is imported inside the functions, so importing
the report package stays cheap. Each plot returns None when it has no data
(a sweep with no finished trials, no history, one parameter), and the caller
skips it.

Plots: outcome counts; the metric against each parameter (points plus the
mean and standard deviation per value or bin, log axis for log-scaled
parameters); learning curves of all trials per logged metric, as one
LineCollection coloured by the most important parameter; a heat map of the
mean metric over the two most important parameters; parameter importance.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..ids import digest
from .analysis import SweepData, fmt, grouped, is_binned, numeric

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OUTCOME_COLORS = {
    "passed": "#2e7d32",
    "failed": "#ef6c00",
    "error": "#c62828",
    "timeout": "#6a1b9a",
    "crashed": "#37474f",
    "pruned": "#78909c",
    "skipped": "#b0bec5",
}
POINT_COLOR = "#1565c0"
MEAN_COLOR = "#212121"
STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "figure.facecolor": "white",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.edgecolor": "#9e9e9e",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "xtick.color": "#424242",
    "ytick.color": "#424242",
    "legend.fontsize": 8,
    "legend.frameon": False,
}
MAX_CATEGORIES = 40
MAX_LEGEND = 10
MAX_ORDERED_LEGEND = 6  # numeric values beyond this many get a colorbar instead of a legend
MAX_CURVE_METRICS = 12
MAX_PARAM_PLOTS = 16  # the most important parameters get a metric-vs-parameter plot


def sweep_plots(data: SweepData) -> Iterator[tuple[str, Callable[[], bytes | None]]]:
    """(file name, render) for each plot of the sweep; render gives PNG bytes or None."""
    yield "outcomes.png", lambda: _render(outcomes_plot, data)
    if data.metric is not None:
        if data.front:
            yield "pareto.png", lambda: _render(pareto_plot, data)
        if adaptive_order(data) is not None:  # a bayes sweep: what people look at for adaptive search
            yield "optimization_history.png", lambda: _render(history_plot, data)
            yield "search.png", lambda: _render(search_plot, data)
        yield "importance.png", lambda: _render(importance_plot, data)
        yield "heatmap.png", lambda: _render(heatmap_plot, data)
        params = data.ranked_params()[:MAX_PARAM_PLOTS]
        for param, param_slug in zip(params, unique_slugs(params), strict=True):
            yield f"{slug(data.metric.name)}_vs_{param_slug}.png", _bind(metric_vs_param_plot, data, param)
    metrics = [str(m) for m in data.history["metric"].unique()[:MAX_CURVE_METRICS]]
    for name, name_slug in zip(metrics, unique_slugs(metrics), strict=True):
        yield f"curves_{name_slug}.png", _bind(curves_plot, data, name)


def _bind(plot: Callable[..., Figure | None], data: SweepData, arg: Any) -> Callable[[], bytes | None]:
    return lambda: _render(plot, data, arg)


def slug(name: str) -> str:
    """A file-name-safe version of a metric or parameter name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80] or "x"


def unique_slugs(names: list[str]) -> list[str]:
    """`slug` of each name; names that slug alike (``val/acc``, ``val_acc``) add a hash, so no plot replaces another."""
    slugs = [slug(name) for name in names]
    clashes = Counter(s.casefold() for s in slugs)
    return [s if clashes[s.casefold()] == 1 else f"{s}_{digest(name, 6)}" for s, name in zip(slugs, names, strict=True)]


def _render(plot: Callable[..., Figure | None], *args: Any) -> bytes | None:
    """PNG bytes of the figure ``plot`` draws, or None if it had nothing to draw."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, STYLE)):
        fig = plot(*args)
        if fig is None:
            return None
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _figure(**kwargs: Any) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _title(ax: Axes, data: SweepData, text: str, pad: float | None = None) -> None:
    ax.set_title(f"{data.sweep.name}: {text}", pad=pad)


def _metric_label(data: SweepData) -> str:
    assert data.metric is not None
    arrow = "\u2193" if data.metric.goal == "minimize" else "\u2191"
    return f"{data.metric.name} ({arrow} better)"


def _alpha(n: int, scale: float = 1.0) -> float:
    """Opacity that keeps 10 trials crisp and 10,000 readable as a density."""
    return float(np.clip(scale * 6.0 / math.sqrt(max(n, 1)), 0.05, 0.9))


# --------------------------------------------------------------- outcomes


def outcomes_plot(data: SweepData) -> Figure | None:
    counts = data.trials["outcome"].value_counts()
    if counts.empty:
        return None
    order = [o for o in OUTCOME_COLORS if o in counts] + [o for o in counts.index if o not in OUTCOME_COLORS]
    values = [int(counts[o]) for o in order]
    fig, ax = _figure(figsize=(5.2, 3.2))
    bars = ax.bar(order, values, color=[OUTCOME_COLORS.get(o, "#9e9e9e") for o in order], width=0.6)
    ax.bar_label(bars, padding=2, fontsize=8.5)
    ax.set_ylabel("trials")
    ax.set_ylim(0, max(values) * 1.15)
    ax.grid(axis="x", visible=False)
    _title(ax, data, f"outcomes of {len(data.trials)} trials")
    return fig


# --------------------------------------------------------------- importance


def importance_plot(data: SweepData) -> Figure | None:
    table = data.table[data.table["groups"] > 1]
    if table.empty or not (table["importance"] > 0).any():
        return None
    table = table.iloc[::-1]
    fig, ax = _figure(figsize=(5.6, 1.4 + 0.32 * len(table)))
    bars = ax.barh(table["parameter"], table["importance"], color=POINT_COLOR, height=0.6)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in table["importance"]], padding=3, fontsize=8)
    ax.set_xlim(0, min(1.0, table["importance"].max() * 1.2 + 0.02))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"share of explained variance of {data.metric.name if data.metric else ''} (\u03b5\u00b2)")
    ax.grid(axis="y", visible=False)
    _title(ax, data, "parameter importance")
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
    best = np.minimum.accumulate(y) if data.metric.goal == "minimize" else np.maximum.accumulate(y)
    fig, ax = _figure()
    ax.scatter(x, y, s=14, c=POINT_COLOR, alpha=_alpha(len(y), 2.5), linewidths=0, label="trial", zorder=2)
    ax.step(x, best, where="post", color=MEAN_COLOR, linewidth=1.6, label="best so far", zorder=3)
    ax.set_xlabel("trial number")
    ax.set_ylabel(_metric_label(data))
    _robust_ylim(ax, y)
    _title(ax, data, "optimization history")
    _legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def pareto_plot(data: SweepData) -> Figure | None:
    """The first two objectives of every finished trial, the Pareto front joined up."""
    first, second = data.objectives[:2]

    def values(records: list[Any]) -> tuple[list[float], list[float]]:
        pairs = [(r["metrics"].get(first.name), r["metrics"].get(second.name)) for r in records]
        kept = [(a, b) for a, b in pairs if isinstance(a, int | float) and isinstance(b, int | float)]
        return [a for a, _ in kept], [b for _, b in kept]

    finished = [r for r in data.sweep.records if r.get("outcome") in ("passed", "failed")]
    x, y = values(finished)
    fx, fy = values(sorted(data.front, key=lambda r: r["metrics"].get(first.name)))
    if len(fx) < 1 or len(x) < 2:
        return None
    fig, ax = _figure()
    ax.scatter(x, y, s=14, c="#9e9e9e", alpha=_alpha(len(x), 2.5), linewidths=0, label="trial", zorder=2)
    ax.plot(fx, fy, "-o", color=POINT_COLOR, markersize=5, linewidth=1.2, label="Pareto front", zorder=3)
    arrows = {m.name: "\u2193" if m.goal == "minimize" else "\u2191" for m in (first, second)}
    ax.set_xlabel(f"{first.name} ({arrows[first.name]} better)")
    ax.set_ylabel(f"{second.name} ({arrows[second.name]} better)")
    _title(ax, data, f"Pareto front ({len(data.front)} trials)")
    _legend_below(fig, ax.get_legend_handles_labels()[0])
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
    fig, ax = _figure()
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
    _title(ax, data, "where the sampler searched")
    _legend_below(fig, ax.get_legend_handles_labels()[0])
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
    fig, ax = _figure()
    if nums is None or scale == "categorical":
        if len(stats) > MAX_CATEGORIES:
            return None
        _categorical_points(ax, keys, y, stats, data)
    else:
        _numeric_points(ax, nums, keys, y, stats, data, log=scale == "log" and bool((nums > 0).all()))
    ax.set_xlabel(param + ("  (log scale)" if ax.get_xscale() == "log" else ""))
    ax.set_ylabel(_metric_label(data))
    _title(ax, data, f"{data.metric.name} vs {param}")
    _legend_below(fig, ax.get_legend_handles_labels()[0])
    return fig


def _legend_below(fig: Figure, handles: list[Any]) -> None:
    """One legend row under the plot, where it never hides data."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=7.5)


def _point_colors(data: SweepData, index: pd.Index) -> tuple[np.ndarray, bool]:
    """Point colour per trial (failed expectations stand out) and whether any failed."""
    failed = (data.trials.loc[index, "outcome"] == "failed").to_numpy()
    colors = np.where(failed, OUTCOME_COLORS["failed"], POINT_COLOR)
    return colors, bool(failed.any())


def _scatter(ax: Axes, x: np.ndarray, y: pd.Series, data: SweepData) -> None:
    colors, any_failed = _point_colors(data, y.index)
    alpha = _alpha(len(y), 2.5)
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


# --------------------------------------------------------------- learning curves


def curves_plot(data: SweepData, name: str) -> Figure | None:
    from matplotlib.collections import LineCollection

    segments, trials = _curve_segments(data.history, name)
    if not segments:
        return None
    if len(segments) > 50:  # draw in a fixed random order, so no group is always painted on top
        order = np.random.default_rng(0).permutation(len(segments))
        segments, trials = [segments[i] for i in order], [trials[i] for i in order]
    fig, ax = _figure(figsize=(6.8, 4.0))
    n = len(segments)
    lines = LineCollection(segments, linewidths=1.4 if n <= 20 else 0.7, alpha=_alpha(n, 1.2), zorder=2)
    handles = _color_curves(fig, ax, lines, data, trials)
    ax.add_collection(lines)
    ax.autoscale_view()
    handles += _median_curve(ax, data.history, name, n)
    _legend_below(fig, handles)
    _robust_ylim(ax, np.concatenate([s[:, 1] for s in segments]))
    ax.set_xlabel("step")
    ax.set_ylabel(str(name))
    _title(ax, data, f"{name} learning curves ({n} trial{'s' if n != 1 else ''})")
    return fig


def _curve_segments(history: pd.DataFrame, name: str) -> tuple[list[np.ndarray], list[str]]:
    """One (step, value) array per trial with at least one numeric point."""
    rows = history[history["metric"] == name]
    frame = pd.DataFrame(
        {
            "trial": rows["trial"].to_numpy(),
            "step": pd.to_numeric(rows["step"], errors="coerce").to_numpy(dtype=float),
            "value": pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float),
        }
    )
    frame = frame[np.isfinite(frame["step"]) & np.isfinite(frame["value"])]
    if frame.empty:
        return [], []
    frame["order"] = pd.factorize(frame["trial"])[0]
    frame = frame.sort_values(["order", "step"], kind="stable")
    cuts = np.flatnonzero(np.diff(frame["order"].to_numpy())) + 1
    points = frame[["step", "value"]].to_numpy()
    trials = frame["trial"].to_numpy()[np.concatenate([[0], cuts])]
    return np.split(points, cuts), [str(t) for t in trials]


def _color_curves(fig: Figure, ax: Axes, lines: Any, data: SweepData, trials: list[str]) -> list[Any]:
    """Colour by the most important parameter: a colorbar, or legend handles (returned)."""
    param = next(iter(data.ranked_params()), None) or _first_varying_param(data)
    if param is None:
        lines.set_color(POINT_COLOR)
        return []
    by_trial = pd.Series(data.column(param).to_numpy(), index=data.trials["trial"].astype(str).to_numpy())
    values = by_trial[~by_trial.index.duplicated()].reindex(trials)
    nums = numeric(values)
    ordered = nums is not None and data.scales.get(param) != "categorical"
    if ordered and nums is not None and nums.nunique() > MAX_ORDERED_LEGEND:
        _colorbar(fig, ax, lines, nums, param, log=data.scales.get(param) == "log")
        return []
    if values.nunique() <= MAX_LEGEND:
        return _legend_colors(lines, values, param, ordered)
    lines.set_color(POINT_COLOR)
    return []


def _first_varying_param(data: SweepData) -> str | None:
    for param in data.params:
        if param != "seed" and data.column(param).map(str).nunique() > 1:
            return param
    return None


def _colorbar(fig: Figure, ax: Axes, lines: Any, nums: pd.Series, param: str, log: bool) -> None:
    import matplotlib
    from matplotlib.colors import LogNorm, Normalize

    present = nums.dropna()
    log = log and bool((present > 0).all())
    norm = (LogNorm if log else Normalize)(vmin=present.min(), vmax=present.max())
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap

    # viridis without its palest yellow, which thin translucent lines make invisible on white
    cmap = ListedColormap(matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, 256))).with_extremes(bad="#bdbdbd")
    lines.set_array(np.ma.masked_invalid(nums.to_numpy(dtype=float)))
    lines.set_cmap(cmap)
    lines.set_norm(norm)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=param, pad=0.01, aspect=30)


def _legend_colors(lines: Any, values: pd.Series, param: str, ordered: bool) -> list[Any]:
    """One colour per value (viridis steps for numbers, tab10 for categories)."""
    import matplotlib
    from matplotlib.lines import Line2D

    categories = sorted(values.dropna().unique(), key=lambda v: (str(type(v)), v))
    if ordered:
        palette = [tuple(c) for c in matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, len(categories)))]
    else:
        palette = [tuple(c) for c in matplotlib.colormaps["tab10"](np.arange(10))]
    color_of = {v: palette[i % len(palette)] for i, v in enumerate(categories)}
    lines.set_color([color_of.get(v, "#bdbdbd") for v in values])
    return [Line2D([], [], color=color_of[v], lw=2, label=f"{param}={fmt(v)[:18]}") for v in categories]


def _median_curve(ax: Axes, history: pd.DataFrame, name: str, n: int) -> list[Any]:
    """Draw the median over trials at each step; its legend handle, if drawn."""
    if n < 5:
        return []
    rows = history[history["metric"] == name]
    steps = pd.to_numeric(rows["step"], errors="coerce")
    values = pd.to_numeric(rows["value"], errors="coerce")
    median = values.groupby(steps).median().dropna()
    if len(median) < 2:
        return []
    return ax.plot(median.index, median.to_numpy(), color=MEAN_COLOR, lw=2.0, label="median over trials", zorder=3)


def _robust_ylim(ax: Axes, values: np.ndarray) -> None:
    """Zoom in when a few diverging trials would flatten everyone else."""
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return
    lo, hi = np.percentile(values, [1, 99])
    span = hi - lo
    if span > 0 and values.max() - values.min() > 4 * span:
        ax.set_ylim(lo - 0.1 * span, hi + 0.1 * span)


# --------------------------------------------------------------- heat map


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
    cmap_name = "viridis_r" if data.metric.goal == "minimize" else "viridis"
    cmap = matplotlib.colormaps[cmap_name].with_extremes(bad="#eeeeee")
    matrix = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    width = min(9.0, 3.2 + 0.55 * grid.shape[1])
    height = min(8.0, 2.0 + 0.4 * grid.shape[0])
    fig, ax = _figure(figsize=(width, height))
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
    _title(ax, data, f"mean {data.metric.name} by {col} \u00d7 {row}", pad=16 if others else None)
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

GATE_COLORS = {"passed": OUTCOME_COLORS["passed"], "failed": "#c62828", "skipped": OUTCOME_COLORS["skipped"]}


def gates_plot(sweep: str, gates: list[dict[str, Any]]) -> Figure | None:
    """Each configuration's interval: the regression's loss against the baseline, else its metric's mean.

    A regression fails when its whole interval lies beyond the tolerance
    (dashed); without one, each repeat is a dot and the bar is the mean's
    interval at the gate's confidence (95% when none is set).
    """
    from scipy import stats

    regressions = [_regression_figures(gate) for gate in gates]
    shown: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (gate, figures or {}) for gate, figures in zip(gates, regressions, strict=True) if figures or gate["values"]
    ]
    if not shown:
        return None
    by_regression = any(figures for _, figures in shown)
    if by_regression:
        shown = [(gate, figures) for gate, figures in shown if figures]
    fig, ax = _figure(figsize=(6.4, 1.2 + 0.32 * len(shown)))
    for row, (gate, figures) in enumerate(shown):
        color = GATE_COLORS.get(gate["outcome"], "#9e9e9e")
        if by_regression:
            middle, low, high = figures["loss"], figures["low"], figures["high"]
        else:
            values = np.asarray(gate["values"], dtype=float)
            middle = float(values.mean())
            spread = float(stats.sem(values)) * float(stats.t.ppf(0.975, len(values) - 1)) if len(values) > 1 else 0.0
            low, high = middle - spread, middle + spread
            ax.scatter(values, np.full(len(values), row), s=26, color=color, alpha=0.55, linewidths=0, zorder=2)
        ax.plot([low, high], [row, row], color=color, linewidth=2.2, solid_capstyle="butt")
        ax.scatter([middle], [row], s=30, color=color, zorder=3)
    labels = [str(gate["configuration"]) for gate, _ in shown]
    ax.set_yticks(range(len(shown)), [label if len(label) <= 40 else label[:39] + "\u2026" for label in labels])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    metric = shown[0][0].get("metric") or "metric"
    if by_regression:
        tolerance = shown[0][1].get("tolerance", 0.0)
        ax.axvline(0.0, color="#9e9e9e", linewidth=0.8)
        ax.axvline(tolerance, color="#c62828", linewidth=1.0, linestyle="--", label=f"tolerance {tolerance:g}")
        ax.set_xlabel(f"loss of {metric} against the baseline (\u2192 worse)")
        ax.legend(loc="lower right")
        ax.set_title(f"{sweep}: regression per configuration", loc="left")
    else:
        ax.set_xlabel(f"{metric} over the repeats (mean, 95% interval)")
        ax.set_title(f"{sweep}: gates per configuration", loc="left")
    return fig


def _regression_figures(gate: dict[str, Any]) -> dict[str, Any] | None:
    for check in gate.get("checks") or ():
        figures = check.get("figures") or {}
        if "loss" in figures:
            return dict(figures)
    return None


def gate_plots(gates: list[dict[str, Any]]) -> Iterator[tuple[str, Callable[[], bytes | None]]]:
    """One gates plot per sweep, as (file name, render); same-named sweeps of two files get one each."""
    by_sweep: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for gate in gates:
        by_sweep.setdefault((str(gate.get("file")), str(gate.get("sweep"))), []).append(gate)
    names = unique_slugs(
        [sweep if [s for _, s in by_sweep].count(sweep) == 1 else f"{file}_{sweep}" for file, sweep in by_sweep]
    )
    for name, ((_, sweep), its) in zip(names, by_sweep.items(), strict=True):
        yield f"gates_{name}.png", functools.partial(_render, gates_plot, sweep, its)


# --------------------------------------------------------------- trends


def trend_plot(trend: Any) -> Figure | None:
    """A sweep's metric over the nights: best and median, the middle half of its trials, the gate's bars
    (the failing side shaded), the steps found."""
    if not trend.nights:
        return None
    fig, ax = _figure(figsize=(6.4, 2.8))
    x = np.arange(len(trend.nights))
    ax.fill_between(x, trend.low, trend.high, color=POINT_COLOR, alpha=0.15, linewidth=0, label="middle half")
    ax.plot(x, trend.median, color=MEAN_COLOR, linewidth=1.2, marker="o", markersize=3, label="median")
    ax.plot(x, trend.best, color=POINT_COLOR, linewidth=1.4, marker="o", markersize=3, label="best")
    if trend.bars:  # the gate's bars in view, the failing side shaded
        values = [value for _, value, _ in trend.bars]
        low, high = ax.get_ylim()
        pad = 0.05 * (max(high, *values) - min(low, *values) or 1.0)
        low, high = min(low, *values) - pad, max(high, *values) + pad
        for text, value, op in trend.bars:
            ax.axhline(value, color="#c62828", linewidth=1.0, linestyle=":", label=f"gate: {text}")
            ax.axhspan(low if op == ">=" else value, value if op == ">=" else high, color="#c62828", alpha=0.06)
        ax.set_ylim(low, high)
    for step in trend.steps:
        at = trend.nights.index(step["night"])
        color = "#c62828" if step["direction"] == "worse" else OUTCOME_COLORS["passed"]
        ax.axvline(at - 0.5, color=color, linewidth=1.0, linestyle="--")
    labels = [night[5:10] for night in trend.nights]
    every = max(1, len(x) // 8)
    ax.set_xticks(x[::every], labels[::every])
    arrow = "\u2193" if trend.metric.goal == "minimize" else "\u2191"
    ax.set_ylabel(f"{trend.metric.name} ({arrow} better)")
    ax.legend(loc="best")
    steps = f", {len(trend.steps)} step{'s' if len(trend.steps) != 1 else ''}" if trend.steps else ""
    ax.set_title(f"{trend.sweep}: {len(trend.nights)} nights{steps}", loc="left")
    return fig


def trend_plots(found: list[Any]) -> Iterator[tuple[str, Callable[[], bytes | None]]]:
    """One trend plot per sweep, as (file name, render)."""
    for name, trend in zip(unique_slugs([trend.sweep for trend in found]), found, strict=True):
        yield f"trend_{name}.png", functools.partial(_render, trend_plot, trend)

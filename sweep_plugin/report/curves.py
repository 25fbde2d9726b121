"""Learning curves: every trial's logged values of one metric, as one LineCollection.

Coloured by the most important varying parameter (a legend for a few values,
a colorbar for many), with the median curve over the trials on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .analysis import SweepData, fmt, numeric
from .figures import (
    MAX_LEGEND,
    MAX_ORDERED_LEGEND,
    MEAN_COLOR,
    POINT_COLOR,
    figure,
    legend_below,
    opacity,
    robust_ylim,
    short,
    title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def curves_plot(data: SweepData, name: str) -> Figure | None:
    from matplotlib.collections import LineCollection

    segments, trials = _curve_segments(data.history, name)
    if not segments:
        return None
    if len(segments) > 50:  # draw in a fixed random order, so no group is always painted on top
        order = np.random.default_rng(0).permutation(len(segments))
        segments, trials = [segments[i] for i in order], [trials[i] for i in order]
    fig, ax = figure(figsize=(6.8, 4.0))
    n = len(segments)
    lines = LineCollection(segments, linewidths=1.4 if n <= 20 else 0.7, alpha=opacity(n, 1.2), zorder=2)
    handles = _color_curves(fig, ax, lines, data, trials)
    ax.add_collection(lines)
    ax.autoscale_view()
    handles += _median_curve(ax, data.history, name, n)
    legend_below(fig, handles)
    robust_ylim(ax, np.concatenate([s[:, 1] for s in segments]))
    ax.set_xlabel("step")
    ax.set_ylabel(str(name))
    title(ax, data, f"{name} learning curves ({n} trial{'s' if n != 1 else ''})")
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
    return [Line2D([], [], color=color_of[v], lw=2, label=f"{param}={short(fmt(v), 24)}") for v in categories]


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

"""Plots of the gates (each configuration's repeats and interval) and of the trends across nights."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .figures import MEAN_COLOR, OUTCOME_COLORS, POINT_COLOR, figure, heading, render, short, unique_slugs

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    fig, ax = figure(figsize=(6.4, 1.2 + 0.32 * len(shown)))
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
    ax.set_yticks(range(len(shown)), [short(label, 40) for label in labels])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    metric = shown[0][0].get("metric") or "metric"
    if by_regression:
        tolerance = shown[0][1].get("tolerance", 0.0)
        ax.axvline(0.0, color="#9e9e9e", linewidth=0.8)
        ax.axvline(tolerance, color="#c62828", linewidth=1.0, linestyle="--", label=f"tolerance {tolerance:g}")
        ax.set_xlabel(f"loss of {metric} against the baseline (\u2192 worse)")
        ax.legend(loc="lower right")
        heading(ax, f"{sweep}: regression per configuration")
    else:
        ax.set_xlabel(f"{metric} over the repeats (mean, 95% interval)")
        heading(ax, f"{sweep}: gates per configuration")
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
        yield f"gates_{name}.png", functools.partial(render, gates_plot, sweep, its)


# --------------------------------------------------------------- trends


def trend_plot(trend: Any) -> Figure | None:
    """A sweep's metric over the nights: best and median, the middle half of its trials, the gate's bars
    (the failing side shaded), the steps found."""
    if not trend.nights:
        return None
    fig, ax = figure(figsize=(6.4, 2.8))
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
    arrow = trend.metric.goal.arrow
    ax.set_ylabel(f"{trend.metric.name} ({arrow} better)")
    ax.legend(loc="best")
    steps = f", {len(trend.steps)} step{'s' if len(trend.steps) != 1 else ''}" if trend.steps else ""
    heading(ax, f"{trend.sweep}: {len(trend.nights)} nights{steps}")
    return fig


def trend_plots(found: list[Any]) -> Iterator[tuple[str, Callable[[], bytes | None]]]:
    """One trend plot per sweep, as (file name, render)."""
    for name, trend in zip(unique_slugs([trend.sweep for trend in found]), found, strict=True):
        yield f"trend_{name}.png", functools.partial(render, trend_plot, trend)

"""What every plot of the report shares: its style, colours and limits, and the Agg figure it draws on.

Figures are made with ``matplotlib.figure.Figure`` and an Agg canvas, never
``pyplot``: no display is needed and the user's own backend and pyplot state
are left alone. matplotlib is imported inside the functions, so importing
the report package stays cheap.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..ids import digest

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .analysis import SweepData

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


def slug(name: str) -> str:
    """A file-name-safe version of a metric or parameter name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80] or "x"


def unique_slugs(names: list[str]) -> list[str]:
    """`slug` of each name; names that slug alike (``val/acc``, ``val_acc``) add a hash, so no plot replaces another."""
    slugs = [slug(name) for name in names]
    clashes = Counter(s.casefold() for s in slugs)
    return [s if clashes[s.casefold()] == 1 else f"{s}_{digest(name, 6)}" for s, name in zip(slugs, names, strict=True)]


def render(plot: Callable[..., Figure | None], *args: Any) -> bytes | None:
    """PNG bytes of the figure ``plot`` draws, or None if it had nothing to draw."""
    import matplotlib

    with matplotlib.rc_context(cast(Any, STYLE)):
        fig = plot(*args)
        if fig is None:
            return None
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def figure(**kwargs: Any) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def title(ax: Axes, data: SweepData, text: str, pad: float | None = None) -> None:
    ax.set_title(f"{data.sweep.name}: {text}", pad=pad)


def metric_label(data: SweepData) -> str:
    assert data.metric is not None
    arrow = data.metric.goal.arrow
    return f"{data.metric.name} ({arrow} better)"


def opacity(n: int, scale: float = 1.0) -> float:
    """Opacity that keeps 10 trials crisp and 10,000 readable as a density."""
    return float(np.clip(scale * 6.0 / math.sqrt(max(n, 1)), 0.05, 0.9))


def legend_below(fig: Figure, handles: list[Any]) -> None:
    """One legend row under the plot, where it never hides data."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=7.5)


def robust_ylim(ax: Axes, values: np.ndarray) -> None:
    """Zoom in when a few diverging trials would flatten everyone else."""
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return
    lo, hi = np.percentile(values, [1, 99])
    span = hi - lo
    if span > 0 and values.max() - values.min() > 4 * span:
        ax.set_ylim(lo - 0.1 * span, hi + 0.1 * span)

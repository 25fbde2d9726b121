"""What every plot of the report shares: its style, colours and limits, and the Agg figure it draws on.

Figures are made with ``matplotlib.figure.Figure`` and an Agg canvas, never
``pyplot``: no display is needed and the user's own backend and pyplot state
are left alone. Their layout (`layout.FittedLayout`) fits the texts in:
headings and axis labels wrapped or shortened in the middle, crowded tick
labels turned or thinned; labels a plot makes itself are cut with `short`,
in the middle too. matplotlib is imported inside the functions, so
importing the report package stays cheap.
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
    """A figure on an Agg canvas whose layout fits its texts in (`layout.FittedLayout`), and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .layout import FittedLayout

    fig = Figure(layout=FittedLayout(), **kwargs)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def title(ax: Axes, data: SweepData, text: str, pad: float | None = None) -> None:
    heading(ax, f"{data.sweep.name}: {text}", pad)


def heading(ax: Axes, text: str, pad: float | None = None) -> None:
    """The axes' title, on the left; drawn, it is wrapped or shortened in the middle to fit the figure."""
    from .layout import FittedLayout

    label = ax.set_title(text, pad=pad, loc="left")
    engine = ax.figure.get_layout_engine()
    if isinstance(engine, FittedLayout):
        engine.headings.append(label)


def short(text: str, limit: int) -> str:
    """``text``, or its start and end around an ellipsis in ``limit`` characters: the end often tells values apart."""
    if len(text) <= limit:
        return text
    tail = max(limit - 1, 0) // 2
    head = max(limit - 1, 0) - tail
    return text[:head] + "\u2026" + (text[len(text) - tail :] if tail else "")


def metric_label(data: SweepData) -> str:
    assert data.metric is not None
    arrow = data.metric.goal.arrow
    return f"{data.metric.name} ({arrow} better)"


def opacity(n: int, scale: float = 1.0) -> float:
    """Opacity that keeps 10 trials crisp and 10,000 readable as a density."""
    return float(np.clip(scale * 6.0 / math.sqrt(max(n, 1)), 0.05, 0.9))


def legend_below(fig: Figure, handles: list[Any], size: float = 7.5) -> None:
    """A legend under the plot, where it never hides data: in as many columns (up to four) as the figure's width
    holds, a label wider than the figure shortened in the middle."""
    if not handles:
        return
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    em = size * fig.dpi / 72
    labels = [str(handle.get_label()) for handle in handles]
    widths = [Text(text=label, fontsize=size, figure=fig).get_window_extent(renderer).width for label in labels]
    room = fig.bbox.width - 4.0 * em  # the handle, its pad and the border
    labels = [
        short(label, int(len(label) * room / w)) if w > room else label for label, w in zip(labels, widths, strict=True)
    ]
    fig.legend(handles, labels, loc="outside lower center", ncols=_columns(widths, em, fig.bbox.width), fontsize=size)


def _columns(widths: list[float], em: float, room: float) -> int:
    """The most legend columns, up to four, whose labels (``widths``) fit in ``room`` pixels."""
    for ncols in range(min(len(widths), 4), 1, -1):
        columns = [max(part) + 2.8 * em for part in np.array_split(np.array(widths), ncols)]
        if sum(columns) + 2.0 * em * (ncols - 1) + 0.8 * em <= room:
            return ncols
    return 1


def robust_ylim(ax: Axes, values: np.ndarray) -> None:
    """Zoom in when a few diverging trials would flatten everyone else."""
    values = values[np.isfinite(values)]
    if len(values) < 20:
        return
    lo, hi = np.percentile(values, [1, 99])
    span = hi - lo
    if span > 0 and values.max() - values.min() > 4 * span:
        ax.set_ylim(lo - 0.1 * span, hi + 0.1 * span)

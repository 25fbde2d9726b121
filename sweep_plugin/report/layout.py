"""The report figures' layout: constrained layout, then every text fitted where it is read.

Constrained layout leaves the width of titles and axis labels out of its
sums, so long sweep, metric and parameter names ran off the PNG
("…by model.hidde"); a log axis spanning less than a decade labels minor
ticks whose labels run into each other (3x10^-2 into 4x10^-2); long categories collided
under their axis. So `FittedLayout` lays the figure out, then:

- wraps each heading, note and axis label that does not fit onto two lines
  (at a space or a slash), shortening its longest words in the middle as far
  as needed (`figures.short`): headings and notes fit the figure, an axis
  label its own axes, so it never reaches a neighbour;
- turns crowded x tick labels 45°, then 90°;
- blanks each minor log tick label that would touch another (`Uncrowded`);

and lays the figure out again when a text changed. Each draw starts from the
full texts, so a PNG at another size is fitted afresh.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from matplotlib.axis import Axis, XAxis
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text
from matplotlib.ticker import Formatter
from matplotlib.transforms import BboxBase

from .figures import short

ROUNDS = 3  # lay out and fit at most this often: a wrapped title moves the axes a little
ANGLES = (0.0, 45.0, 90.0)  # x tick labels turn no further than upright
BIG = 1 << 30
_BREAK = re.compile(r"(?<=[ /])|(?<=[A-Za-z_]\.)(?=[A-Za-z_])")  # after a space, a slash, a dot in a name


class FittedLayout(ConstrainedLayoutEngine):
    """Constrained layout whose texts fit: wrapped or shortened in the middle, tick labels turned or thinned."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.headings: list[Text] = []  # fitted to the figure (axis labels and notes are found)
        self._full: dict[Text, tuple[str, str]] = {}  # text -> (full text, the text shown for it)

    def execute(self, fig: Figure) -> None:
        """Fit, lay out, and fit again; lay out again only while a text changed its number of lines or ticks turned.

        The first fit, against the axes where they stand, lets the first layout
        see the wrapped lines, so one layout mostly does. After the layout each
        text is fitted afresh once; later rounds change only what no longer
        fits, so a title and an axis label cannot take turns at wrapping.
        """
        for axes in fig.axes:
            for axis in (axes.xaxis, axes.yaxis):
                if axis.get_scale() == "log" and not isinstance(axis.get_minor_formatter(), Uncrowded):
                    axis.set_minor_formatter(Uncrowded(axis.get_minor_formatter()))
        renderer: Any = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self._fit_all(fig, renderer, keep=False)
        with warnings.catch_warnings():  # texts not fitted yet may squeeze the axes to nothing: fitting mends that
            warnings.filterwarnings("ignore", "constrained_layout not applied")
            super().execute(fig)
        for round_ in range(ROUNDS):  # the texts are fitted after the last layout whatever happens
            moved = self._fit_all(fig, renderer, keep=round_ > 0)
            if round_ == ROUNDS - 1:
                break
            turned = [_turn_crowded(axes.xaxis, renderer, first=round_ == 0) for axes in fig.axes]
            if not moved and not any(turned):
                break
            super().execute(fig)

    def _fit_all(self, fig: Figure, renderer: Any, keep: bool) -> bool:
        """Fit every text; whether one now takes another number of lines (the layout must make room)."""
        return any([self._fit(text, box, lines, renderer, keep) for text, box, lines in self._fitted(fig)])

    def _fitted(self, fig: Figure) -> Iterator[tuple[Text, BboxBase, int]]:
        """Each text to fit, the box it must fit in (the figure, or its axes for an axis label), and its lines.

        The layout makes room for a heading or an axis label on two lines; a
        note placed by hand (in figure or axes coordinates) has room for the one
        line it was given. Texts at data points (a heat map's cells, bar labels)
        are the plot's own business.
        """
        yield from ((text, fig.bbox, 2) for text in self.headings)
        yield from ((text, fig.bbox, 1) for text in fig.texts)
        for axes in fig.axes:
            yield from ((text, fig.bbox, 1) for text in axes.texts if text.get_transform() is axes.transAxes)
            box = axes.get_position().transformed(fig.transFigure)
            yield from ((axis.label, box, 2) for axis in (axes.xaxis, axes.yaxis))

    def _fit(self, text: Text, box: BboxBase, lines: int, renderer: Any, keep: bool) -> bool:
        """Fit ``text`` in ``box`` from its full text (``keep``: unless what it shows fits); whether its number
        of lines changed."""
        shown = text.get_text()
        full, was = self._full.get(text, (shown, shown))
        full = full if shown == was else shown  # set anew since it was fitted
        if not full.strip() or (keep and _room(text, box, renderer) >= 1):
            return False

        def room(candidate: str) -> float:
            text.set_text(candidate)
            return _room(text, box, renderer)

        fitted = fit_text(full, room, lines)
        text.set_text(fitted)
        self._full[text] = (full, fitted)
        return fitted.count("\n") != shown.count("\n")


def _room(text: Text, box: BboxBase, renderer: Any) -> float:
    """How many times its length ``text`` may have along its reading direction and stay in ``box`` (a pixel spare).

    Only upright and sideways texts are measured; any other angle has room.
    """
    rotation = text.get_rotation() % 180
    if rotation not in (0, 90):
        return math.inf
    extent = text.get_window_extent(renderer)
    low, high, start, end = (
        (box.y0, box.y1, extent.y0, extent.y1) if rotation else (box.x0, box.x1, extent.x0, extent.x1)
    )
    length, pinned = end - start, _pinned(text)
    pin = start + pinned * length
    before = (pin - low + 1) / pinned if pinned > 0 else math.inf
    after = (high + 1 - pin) / (1 - pinned) if pinned < 1 else math.inf
    return min(before, after) / length if length > 0 else math.inf


def _pinned(text: Text) -> float:
    """Which point of ``text`` along its reading direction stays put as it shortens: 0 its start, 1 its end."""
    if text.get_rotation() % 180 == 90 and text.get_rotation_mode() == "default":
        return {"bottom": 0.0, "top": 1.0}.get(text.get_verticalalignment(), 0.5)
    return {"left": 0.0, "right": 1.0}.get(text.get_horizontalalignment(), 0.5)


def fit_text(full: str, room: Callable[[str], float], lines: int = 2) -> str:
    """``full`` if it fits, else in ``lines`` lines, its longest words cut in the middle as little as needed.

    ``room(text)`` says how many times its length a text may have (it fits
    at 1 or more): the first guess of the characters a line holds comes
    from it, and a smaller one is tried until the text fits.
    """
    text, share = full, room(full)
    budget = len(full)
    while share < 1 and budget > 1:
        longest = max(len(line) for line in text.split("\n"))
        budget = max(1, min(budget - 1, int(longest * share)))
        text = _within(full, budget, lines)
        share = room(text)
    return text


def _within(full: str, budget: int, lines: int) -> str:
    """``full`` in one or two lines of at most ``budget`` characters, its longest words cut least."""
    if lines == 1 or len(full) <= budget:
        return short(full, budget)
    words = _BREAK.split(full)
    best, score = short(full, budget), (0, False, 0)
    for cut in range(len(words), 0, -1):
        (first, cap), (second, cap_2) = _capped(words[:cut], budget), _capped(words[cut:], budget)
        # words cut least, then a break at a space, then lines balanced
        this = (min(cap, cap_2), not second or words[cut - 1].endswith(" "), -max(len(first), len(second)))
        if this > score:
            best, score = first + ("\n" + second if second else ""), this
    return best


def _capped(words: list[str], budget: int) -> tuple[str, int]:
    """The words on a line of at most ``budget`` characters, the longest cut to the largest length that fits,
    and that length (`BIG` uncut, 0 if none fits)."""
    if not words:
        return "", BIG
    longest = max(len(word.rstrip(" /.")) for word in words)
    for cap in range(longest, 0, -1):
        line = "".join(_cap(word, cap) for word in words).rstrip()
        if len(line) <= budget:
            return line, BIG if cap == longest else cap
    return "", 0


def _cap(word: str, cap: int) -> str:
    """``word`` shortened in the middle to ``cap`` characters, its trailing break kept."""
    core = word.rstrip(" /.")
    return short(core, cap) + word[len(core) :]


# --------------------------------------------------------------- tick labels


def _painted(axis: Axis) -> list[tuple[float, Text]]:
    """(position in pixels, label) of the major ticks in view with a label, left to right."""
    locs = axis.get_majorticklocs()
    low, high = sorted(axis.get_view_interval())
    ticks = axis.get_major_ticks(len(locs))
    shown = [(loc, tick.label1) for loc, tick in zip(locs, ticks, strict=False) if low <= loc <= high]
    shown = [(loc, label) for loc, label in shown if label.get_visible() and label.get_text()]
    if not shown:
        return []
    pixels = _pixels(axis, np.array([loc for loc, _ in shown]))
    return sorted(zip(pixels, (label for _, label in shown), strict=True), key=lambda pair: pair[0])


def _pixels(axis: Axis, values: np.ndarray) -> np.ndarray:
    """Where ``values`` of ``axis`` lie along it, in pixels."""
    zeros = np.zeros(len(values))
    if isinstance(axis, XAxis):
        return axis.axes.get_xaxis_transform().transform(np.column_stack([values, zeros]))[:, 0]
    return axis.axes.get_yaxis_transform().transform(np.column_stack([zeros, values]))[:, 1]


def _flat_size(text: Text, renderer: Any) -> tuple[float, float]:
    """Width and height of ``text`` unrotated, in pixels."""
    rotation = text.get_rotation()
    text.set_rotation(0)
    box = text.get_window_extent(renderer)
    text.set_rotation(rotation)
    return box.width, box.height


def _turn_crowded(axis: Axis, renderer: Any, first: bool) -> bool:
    """Turn the x tick labels to the smallest angle at which neighbours keep apart; whether they turned."""
    painted = _painted(axis)
    if len(painted) < 2:
        return False
    sizes = [_flat_size(label, renderer) for _, label in painted]
    gaps = np.diff([pixel for pixel, _ in painted])
    height = max(h for _, h in sizes)
    widths = np.array([w for w, _ in sizes])
    room = {
        0.0: bool((gaps >= (widths[:-1] + widths[1:]) / 2 + 0.4 * height).all()),
        **{angle: bool((gaps * math.sin(math.radians(angle)) >= 1.2 * height).all()) for angle in ANGLES[1:]},
    }
    label = painted[0][1]
    angle = next((a for a in ANGLES if room[a]), ANGLES[-1])
    angle = angle if first else max(angle, label.get_rotation())  # later rounds only turn further: no see-saw
    if angle:  # a turned label ends at its tick
        align = {"ha": "right", "va": "top" if angle < 90 else "center", "rotation_mode": "anchor"}
    else:
        align = {"ha": "center", "va": "top", "rotation_mode": "default"}
    if (angle, align["ha"]) == (label.get_rotation(), label.get_horizontalalignment()):
        return False
    axis.set_tick_params(labelrotation=angle)
    for _, text in painted:
        text.set(**align)
    return True


class Uncrowded(Formatter):
    """A minor tick formatter that leaves blank each label that would touch a major one or one kept before it."""

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.inner(x, pos)

    def format_ticks(self, values: list[float]) -> list[str]:
        labels = self.inner.format_ticks(values)
        axis = self.axis
        if not isinstance(axis, Axis) or not any(labels):
            return labels
        majors = list(axis.get_majorticklocs())
        return _thinned(axis, values, labels, majors, axis.get_major_formatter().format_ticks(majors))


def _thinned(axis: Axis, values: list[float], labels: list[str], majors: list[float], names: list[str]) -> list[str]:
    """``labels`` with those that would touch a major label, or a label kept before them, blanked."""
    fig = axis.figure
    assert isinstance(fig, Figure)
    renderer: Any = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    font = axis.get_minor_ticks(1)[0].label1.get_fontproperties()
    along = 0 if isinstance(axis, XAxis) else 1
    low, high = sorted(axis.get_view_interval())

    def span(value: float, label: str) -> tuple[float, float]:
        box = Text(text=label, fontproperties=font, figure=fig).get_window_extent(renderer)
        size, middle = (box.width, box.height)[along], float(_pixels(axis, np.array([value]))[0])
        return middle - size / 2 - 2.0, middle + size / 2 + 2.0

    kept = [span(v, name) for v, name in zip(majors, names, strict=True) if name and low <= v <= high]
    thinned = list(labels)
    for i in sorted(range(len(values)), key=lambda i: values[i]):
        if not labels[i] or not low <= values[i] <= high:
            continue
        start, end = span(values[i], labels[i])
        if any(start < b and a < end for a, b in kept):
            thinned[i] = ""
        else:
            kept.append((start, end))
    return thinned

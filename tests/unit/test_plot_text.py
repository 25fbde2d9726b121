"""Plots that read: in every plot of a wide sweep, no text leaves its figure and no two texts overlap.

The sweeps are built to crowd the plots: many parameters with long dotted
names, a log parameter spanning less than a decade and one spanning many,
long metric names and categorical values, repeats, learning curves, a bayes
sweep numbered ``trial:NN``, two objectives, gates and trends. Each figure
is drawn as the report draws it (`figures.STYLE`, at the PNG's dpi) and
every text it paints is measured.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.text import Text

from sweep_plugin.records import Identity, Outcome, Record, make_record, unknown_identity
from sweep_plugin.report import gate_plots, plots
from sweep_plugin.report.analysis import analyse
from sweep_plugin.report.figures import STYLE, figure, short
from sweep_plugin.report.grouping import group_sweeps
from sweep_plugin.report.layout import fit_text
from sweep_plugin.report.trends import SweepTrend

TOLERANCE = 1.0  # pixels each text may spill: neighbours in a legend or a row may abut
MIN_FONT_SIZE = 6.0  # points
MIN_CONTRAST = 3.0  # WCAG's least for large text: a heat map's cell labels against their cells

WIDE = "imagenet_resnet_wide_hyperparameter_search"
GRID = "augmentation_policy_grid"
LOSS = "validation/cross_entropy_loss_label_smoothed"
ACCURACY = "validation/top5_accuracy_exponential_moving_average"
POLICIES = [
    "random_resized_crop_with_color_jitter_and_mixup",
    "center_crop_only",
    "autoaugment_imagenet_policy_v2",
    "trivial_augment_wide_with_random_erasing",
    "none",
    "rand_augment_n2_m9_magnitude_std_0.5",
    "cutmix_and_mixup_alpha_0.8_switch_prob_0.5",
    "horizontal_flip",
]


# --------------------------------------------------------------- the sweeps


def identity(sweep: str, trial: str, params: dict[str, Any], **fields: Any) -> Identity:
    ident = unknown_identity(f"wide.yaml::{sweep}[{trial}]", params)
    ident.update(fields)  # type: ignore[typeddict-item]
    return ident


def wide_records() -> list[Record]:
    """A random search over five parameters with long dotted names, two seeds each, learning curves, every outcome."""
    rng = np.random.default_rng(1)
    name = WIDE
    scales = {"optimizer.learning_rate": "log", "optimizer.weight_decay": "log"}
    outcomes = [Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASHED, Outcome.PRUNED, Outcome.SKIPPED]
    records = []
    for i in range(40):
        params: dict[str, Any] = {
            "model.encoder.hidden_size": int(rng.choice([64, 128, 256, 512, 1024])),
            "optimizer.learning_rate": float(10 ** rng.uniform(-6, -1)),
            "optimizer.weight_decay": float(10 ** rng.uniform(math.log10(0.02), math.log10(0.09))),
            "data.augmentation.policy": POLICIES[i % len(POLICIES)],
            "trainer.gradient_accumulation_steps": [1, 2, 4, 8][i % 4],
        }
        for seed in (0, 1):
            trial = f"{i:02d}-seed:{seed}"
            loss = 0.3 + 4 * params["optimizer.weight_decay"] + 0.02 * (i % len(POLICIES)) + rng.normal(0, 0.01)
            steps = [{"step": s, ACCURACY: 1 - loss / (s + 1)} for s in range(8)]
            outcome = outcomes[i % 6] if i % 7 == 3 and seed == 0 else Outcome.PASSED
            metrics = {LOSS: loss, ACCURACY: 1 - loss} if outcome in (Outcome.PASSED, Outcome.FAILED) else {}
            ident = identity(
                name, trial, {**params, "seed": seed}, metric={"name": LOSS, "goal": "minimize"}, scales=scales
            )
            records.append(make_record(ident, outcome=outcome, metrics=metrics, history=steps))
    return records


def grid_records() -> list[Record]:
    """A grid of five long categories by three, repeated, with curves coloured by category."""
    rng = np.random.default_rng(4)
    name = GRID
    records = []
    for p, policy in enumerate(POLICIES[:5]):
        for a, activation in enumerate(["gelu", "relu", "swish"]):
            for seed in (0, 1):
                params = {
                    "data.augmentation.policy": policy,
                    "model.encoder.activation_function": activation,
                    "seed": seed,
                }
                accuracy = 0.6 + 0.05 * p + 0.01 * a + rng.normal(0, 0.005)
                steps = [{"step": s, ACCURACY: accuracy * (1 - 1 / (s + 2))} for s in range(6)]
                trial = f"data.augmentation.policy:{policy}-model.encoder.activation_function:{activation}-seed:{seed}"
                ident = identity(name, trial, params, metric={"name": ACCURACY, "goal": "maximize"})
                records.append(make_record(ident, outcome=Outcome.PASSED, metrics={ACCURACY: accuracy}, history=steps))
    return records


def bayes_records() -> list[Record]:
    """Adaptive search numbered ``trial:NN`` over a many-decade and a sub-decade log parameter."""
    rng = np.random.default_rng(2)
    name = "transformer_language_model_bayes_search"
    scales = {"optimizer.learning_rate": "log", "optimizer.warmup_ratio": "log", "model.encoder.hidden_size": "log"}
    records = []
    for i in range(40):
        params = {
            "optimizer.learning_rate": float(10 ** rng.uniform(-5, -2)),
            "optimizer.warmup_ratio": float(rng.uniform(0.03, 0.08)),
            "model.encoder.hidden_size": int(2 ** rng.integers(5, 12)),
            "optimizer.adam_beta2": float(rng.uniform(0.95, 0.999)),
        }
        loss = 2 + abs(math.log10(params["optimizer.learning_rate"]) + 3.5) + 20 * params["optimizer.warmup_ratio"]
        metric = {"name": "validation/perplexity_per_token", "goal": "minimize"}
        ident = identity(name, f"trial:{i:02d}", params, metric=metric, scales=scales)
        records.append(make_record(ident, outcome=Outcome.PASSED, metrics={metric["name"]: loss}))
    return records


def pareto_records() -> list[Record]:
    """Two objectives, a front among repeats."""
    rng = np.random.default_rng(3)
    name = "mobile_vision_accuracy_latency_tradeoff"
    objectives = [
        {"name": "validation/top1_accuracy_percent", "goal": "maximize"},
        {"name": "inference/latency_milliseconds_p99", "goal": "minimize"},
    ]
    records = []
    for depth in (0.5, 0.75, 1.0, 1.25, 1.5):
        for width in (0.25, 0.5, 1.0, 2.0):
            for seed in (0, 1):
                params = {"model.depth_multiplier": depth, "model.width_multiplier": width, "seed": seed}
                size = depth * width
                metrics = {
                    objectives[0]["name"]: 60 + 15 * size / (1 + size) + rng.normal(0, 0.5),
                    objectives[1]["name"]: 3 + 40 * size + rng.normal(0, 0.3),
                }
                trial = f"model.depth_multiplier:{depth}-model.width_multiplier:{width}-seed:{seed}"
                ident = identity(name, trial, params, metric=objectives[0], objectives=objectives)
                records.append(make_record(ident, outcome=Outcome.PASSED, metrics=metrics))
    return records


def gates() -> list[dict[str, Any]]:
    """Gates over the repeats of long configurations, and a regression against a baseline."""
    config = "model.encoder.hidden_size:{}-optimizer.learning_rate:0.001-data.augmentation.policy:{}"
    repeats = [
        {
            "sweep": WIDE,
            "file": "wide.yaml",
            "configuration": config.format(64 * (i + 1), POLICIES[i]),
            "outcome": "failed" if i == 2 else "passed",
            "metric": LOSS,
            "values": [0.3 + 0.01 * i, 0.31 + 0.01 * i, 0.33],
            "checks": [{"check": f"mean({LOSS}) <= 0.35", "figures": {}}],
        }
        for i in range(6)
    ]
    regression = [
        {
            "sweep": "transformer_language_model_bayes_search",
            "file": "wide.yaml",
            "configuration": config.format(128, POLICIES[i]),
            "outcome": "failed" if i == 1 else "passed",
            "metric": "validation/perplexity_per_token",
            "values": [],
            "checks": [
                {"check": "regression", "figures": {"loss": 0.01 * i, "low": -0.02, "high": 0.03, "tolerance": 0.02}}
            ],
        }
        for i in range(4)
    ]
    return repeats + regression


def trend() -> SweepTrend:
    """Twenty nights with a gate's bar and a step."""
    from sweep_plugin.records import Metric

    nights = [f"2024-03-{day:02d}T02-00" for day in range(1, 21)]
    level = [0.35 if i < 12 else 0.39 for i in range(20)]
    return SweepTrend(
        sweep=WIDE,
        metric=Metric(LOSS),
        nights=nights,
        commits=["abcdef1"] * 20,
        best=[v - 0.02 for v in level],
        median=level,
        low=[v - 0.01 for v in level],
        high=[v + 0.015 for v in level],
        steps=[{"night": nights[12], "direction": "worse"}],
        bars=[(f"mean({LOSS}) <= 0.38", 0.38, "<=")],
    )


# --------------------------------------------------------------- the checker


def painted_texts(fig: Figure) -> list[Text]:
    """The texts a draw of ``fig`` paints, drawing it: a tick outside the view keeps its label, unpainted."""
    painted: dict[int, Text] = {}
    draw = Text.draw

    @functools.wraps(draw)
    def recording(self: Text, renderer: Any) -> None:
        if self.get_visible() and self.get_text().strip():
            painted[id(self)] = self
        draw(self, renderer)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Text, "draw", recording)
        fig.canvas.draw()
    return list(painted.values())


def outline(text: Text, renderer: Any) -> Path:
    """The text's own (maybe rotated) rectangle on the canvas, shrunk by the tolerance."""
    box = text.get_window_extent(renderer)
    angle = math.radians(text.get_rotation())
    if abs(math.sin(angle) * math.cos(angle)) < 1e-6:  # upright or sideways: the box is the rectangle
        corners = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
        shrink = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]]) * TOLERANCE
        return Path(np.array(corners) + shrink)
    text.set_rotation(0)
    flat = text.get_window_extent(renderer)
    text.set_rotation(math.degrees(angle))
    half_w, half_h = flat.width / 2 - TOLERANCE, flat.height / 2 - TOLERANCE
    u = np.array([math.cos(angle), math.sin(angle)])
    v = np.array([-math.sin(angle), math.cos(angle)])
    center = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    return Path([center + sx * half_w * u + sy * half_h * v for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))])


def contrast(one: Any, other: Any) -> float:
    """The WCAG contrast ratio of two colours: 1 (none) to 21 (black on white)."""

    def luminance(color: Any) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    dark, light = sorted([luminance(one), luminance(other)])
    return (light + 0.05) / (dark + 0.05)


def cell_problems(fig: Figure) -> list[str]:
    """Each label written on an image's cell (a heat map's values) with too little contrast to its cell."""
    problems = []
    for ax in fig.axes:
        for image in ax.images:
            values = image.get_array()
            assert values is not None
            for text in ax.texts:
                j, i = (round(float(v)) for v in text.get_position())
                if text.get_transform() is ax.transData and 0 <= i < values.shape[0] and 0 <= j < values.shape[1]:
                    cell = image.to_rgba(values[i, j])
                    if contrast(text.get_color(), cell) < MIN_CONTRAST:
                        problems.append(f"{text.get_text()!r} is hard to read on its cell")
    return problems


def _pixels(box: Any) -> str:
    return f"x {box.x0:.0f} to {box.x1:.0f}, y {box.y0:.0f} to {box.y1:.0f}"


def text_problems(fig: Figure) -> list[str]:
    """Every painted text that leaves the figure, is too small to read, overlaps another painted text, or is
    written on a cell it hardly stands out from."""
    texts = painted_texts(fig)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox.expanded(1.0, 1.0).padded(TOLERANCE)
    problems = []
    boxes = [t.get_window_extent(renderer) for t in texts]
    for text, box in zip(texts, boxes, strict=True):
        if not (
            page.containsx(box.x0) and page.containsx(box.x1) and page.containsy(box.y0) and page.containsy(box.y1)
        ):
            problems.append(f"{text.get_text()!r} leaves the figure: {_pixels(box)} outside {_pixels(fig.bbox)}")
        if (size := text.get_fontproperties().get_size_in_points()) < MIN_FONT_SIZE:
            problems.append(f"{text.get_text()!r} is set in {size} pt")
    outlines = [outline(t, renderer) for t in texts]
    for i, j in itertools.combinations(range(len(texts)), 2):
        if boxes[i].overlaps(boxes[j]) and outlines[i].intersects_path(outlines[j], filled=True):
            problems.append(f"{texts[i].get_text()!r} overlaps {texts[j].get_text()!r}")
    return problems + cell_problems(fig)


# --------------------------------------------------------------- the plots


def checked(plot: Callable[..., Figure | None], *args: Any) -> list[str] | None:
    """In place of `figures.render`: the text problems of the figure ``plot`` draws, drawn at the PNG's dpi."""
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig = plot(*args)
        if fig is None:
            return None
        fig.set_dpi(float(STYLE["savefig.dpi"]))  # type: ignore[arg-type]
        return text_problems(fig)


def wide_renders() -> list[tuple[str, Callable[[], Any]]]:
    """(file name, render) of every plot the report draws of the wide sweeps, gates and trends.

    To keep the test fast, the other sweeps leave out the outcomes and the
    metric against a parameter (the wide sweep's are the same kinds), but the
    grid's five long categories; and ``seed`` is left out.
    """
    records = wide_records() + grid_records() + bayes_records() + pareto_records()
    renders = [
        (f"{sweep.name}/{name}", draw)
        for sweep in group_sweeps(records)
        for name, draw in plots.sweep_plots(analyse(sweep))
        if not name.endswith("_vs_seed.png")
        and (sweep.name == WIDE or name.endswith("_vs_data.augmentation.policy.png") or not _same_again(name))
    ]
    return renders + list(gate_plots.gate_plots(gates())) + list(gate_plots.trend_plots([trend()]))


def _same_again(name: str) -> bool:
    return name == "outcomes.png" or "_vs_" in name


@pytest.fixture(scope="module")
def problems_by_plot() -> dict[str, list[str]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plots, "render", checked)
        patch.setattr(gate_plots, "render", checked)
        return {name: problems for name, draw in wide_renders() if (problems := draw()) is not None}


def test_every_kind_of_plot_is_checked(problems_by_plot: dict[str, list[str]]) -> None:
    names = " ".join(problems_by_plot)
    kinds = ["outcomes", "importance", "heatmap", "_vs_", "curves_", "optimization_history", "search", "pareto"]
    assert [kind for kind in [*kinds, "gates_", "trend_"] if kind not in names] == []


def test_no_text_leaves_its_figure_or_overlaps_another(problems_by_plot: dict[str, list[str]]) -> None:
    found = {name: problems for name, problems in problems_by_plot.items() if problems}
    assert found == {}


def test_the_checker_sees_overlapping_and_clipped_texts() -> None:
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig = Figure(figsize=(2.0, 1.5))  # a bare figure: the report's own would fit these texts
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.text(0.1, 0.5, "overlapping", transform=ax.transAxes)
        ax.text(0.2, 0.5, "texts", transform=ax.transAxes, rotation=30)
        ax.text(0.9, 0.1, "beyond the right edge", transform=ax.transAxes)
        ax.imshow([[1.0, 0.0]], cmap="viridis")  # yellow, then dark purple
        ax.text(0, 0, "pale", color="white", fontsize=5)
        ax.text(1, 0, "dark", color="white")
        problems = text_problems(fig)
    assert "'overlapping' overlaps 'texts'" in problems
    assert any(p.startswith("'beyond the right edge' leaves the figure") for p in problems)
    assert "'pale' is hard to read on its cell" in problems and "'pale' is set in 5.0 pt" in problems
    assert not [p for p in problems if p.startswith("'dark'")]


def test_a_log_axis_under_a_decade_labels_no_minor_ticks_over_each_other() -> None:
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig, ax = figure(figsize=(3.0, 2.0))  # 3x10^-2 and 4x10^-2 run together on a bare figure
        ax.plot([0.021, 0.088], [1, 2])
        ax.set_xscale("log")
        problems = text_problems(fig)
        labels = [label.get_text() for label in ax.xaxis.get_minorticklabels() if label.get_text()]
    assert problems == []
    assert len(labels) >= 2  # thinned, not emptied


def test_a_long_text_takes_two_lines_and_is_cut_in_the_middle_never_at_the_end() -> None:
    def room(text: str) -> float:  # 24 characters a line
        return 24 / max(len(line) for line in text.split("\n"))

    fitted = fit_text("sweep: loss by model.encoder.hidden_size_of_the_layer", room)
    assert fitted == "sweep: loss by model.\nencoder.hidden_s\u2026e_layer"
    assert fit_text("lr", room) == "lr"
    assert short("model.encoder.hidden_size", 12) == "model.\u2026_size"

"""Hypothesis properties of the pure modules: trial plans, trial ids, dotted
paths, the expression language and parameter spaces. No pytest sessions.

Edge cases that once broke a property have small tests of their own next
to it, so the properties stay on the input they are meant to hold for.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import itertools
import math
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sweep_plugin.errors import SweepError
from sweep_plugin.expressions import EvaluationError, Expression
from sweep_plugin.ids import MAX_ID, folder_names, trial_ids
from sweep_plugin.search import plan_trials
from sweep_plugin.space import DISTRIBUTIONS, Distribution, Space, Values, parse_space
from sweep_plugin.spec import Check, SweepSpec, config_hash, flatten, get_path, set_path, with_params

PROPERTY = settings(max_examples=60, deadline=None)


def sweep(spaces: Mapping[str, Space], **options: Any) -> SweepSpec:
    return SweepSpec(
        name="s", file=Path("sweep_s.yaml"), display="sweep_s.yaml", line=1, spaces=dict(spaces), **options
    )


def check(text: str) -> Check:
    return Check(Expression.parse(text), line=None)


# --- sweep expansion -------------------------------------------------------

# 1-4 parameters with 1-5 small integer values each (duplicates included).
grids = st.lists(st.lists(st.integers(-3, 3), min_size=1, max_size=5), min_size=1, max_size=4).map(
    lambda axes: {f"group{i}.p{i}": tuple(values) for i, values in enumerate(axes)}
)


def grid_spaces(grid: Mapping[str, tuple[int, ...]]) -> dict[str, Space]:
    return {path: Values(values) for path, values in grid.items()}


@PROPERTY
@given(grid=grids, repeat=st.integers(1, 3))
def test_grid_gives_one_trial_per_point_and_repeat(grid: dict[str, tuple[int, ...]], repeat: int) -> None:
    plan = plan_trials(sweep(grid_spaces(grid), repeat=repeat))
    points = list(itertools.product(*grid.values()))
    assert len(plan.slots) == len(points) * repeat
    assert plan.notes == ()
    assert [tuple((t.params or {})[p] for p in grid) for t in plan.slots[::repeat]] == points  # file order
    if repeat > 1:
        assert [(t.params or {})["seed"] for t in plan.slots] == list(range(repeat)) * len(points)
    assert len({t.id for t in plan.slots}) == len(plan.slots)


@PROPERTY
@given(grid=grids, trials=st.integers(1, 30), repeat=st.integers(1, 2))
def test_trials_on_a_grid_takes_that_many_points_ends_included_in_file_order(
    grid: dict[str, tuple[int, ...]], trials: int, repeat: int
) -> None:
    """Issue 19, point 6: `trials:` on a grid was ignored in silence."""
    points = list(itertools.product(*grid.values()))
    plan = plan_trials(sweep(grid_spaces(grid), trials=trials, repeat=repeat))
    taken = [tuple((t.params or {})[p] for p in grid) for t in plan.slots[::repeat]]
    assert len(taken) == min(trials, len(points))
    positions = [points.index(point) for point in taken] if len(set(points)) == len(points) else None
    if positions is not None:
        assert positions == sorted(positions)  # file order kept
        if 1 < trials < len(points):
            assert positions[0] == 0 and positions[-1] == len(points) - 1  # an even spread covers both ends
    assert (len(plan.notes) == 1) == (trials < len(points))


def test_trials_on_a_grid_takes_the_quick_points_first() -> None:
    spaces = grid_spaces({"a": (1, 2, 3, 4), "b": (10, 20, 30)})
    plan = plan_trials(sweep(spaces, trials=5, quick={"a": [2]}))
    taken = [((t.params or {})["a"], (t.params or {})["b"]) for t in plan.slots]
    assert taken == [(1, 10), (2, 10), (2, 20), (2, 30), (4, 30)]
    assert plan.notes == (
        "sweep_s.yaml::s: trials: 5 takes 5 of the 12 grid points (the quick ones first, then an even spread)",
    )


@PROPERTY
@given(grid=grids, threshold=st.integers(-8, 8), repeat=st.integers(1, 2))
def test_constraints_remove_exactly_the_rejected_points(
    grid: dict[str, tuple[int, ...]], threshold: int, repeat: int
) -> None:
    constraint = " + ".join(grid) + f" <= {threshold}"  # full dotted paths as names
    spec = sweep(grid_spaces(grid), constraints=(check(constraint),), repeat=repeat)
    points = list(itertools.product(*grid.values()))
    kept = [point for point in points if sum(point) <= threshold]
    if not kept:
        with pytest.raises(SweepError, match=f"constraints removed all {len(points)} grid points"):
            plan_trials(spec)
        return
    plan = plan_trials(spec)
    assert len(plan.slots) == len(kept) * repeat
    removed = len(points) - len(kept)
    note = f"{spec.display}::{spec.name}: constraints removed {removed} of {len(points)} grid points"
    assert plan.notes == ((note,) if removed else ())
    assert [tuple((t.params or {})[p] for p in grid) for t in plan.slots[::repeat]] == kept


SAMPLED = {
    "training.lr": parse_space({"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1}),
    "model.hidden": parse_space({"distribution": "int_uniform", "min": 8, "max": 64}),
    "model.act": parse_space(["relu", "tanh"]),
}


@PROPERTY
@given(method=st.sampled_from(["random", "lhs"]), seed=st.integers(0, 2**32 - 2), trials=st.integers(1, 10))
def test_sampled_plans_depend_only_on_the_seed(method: str, seed: int, trials: int) -> None:
    def plan(seed: int) -> list[tuple[str, dict[str, Any] | None]]:
        spec = sweep(SAMPLED, method=method, trials=trials, seed=seed, constraints=(check("hidden <= 48"),))
        return [(t.id, t.params) for t in plan_trials(spec).slots]

    first = plan(seed)
    assert plan(seed) == first
    assert len(first) == trials
    assert len({trial_id for trial_id, _ in first}) == trials
    assert all((params or {})["model.hidden"] <= 48 for _, params in first)
    assert [params for _, params in plan(seed + 1)] != [params for _, params in first]


# --- trial ids --------------------------------------------------------------

# What pytest's -k grammar accepts as one identifier (_pytest/mark/expression.py).
K_IDENTIFIER = re.compile(r"(?:\w|:|\+|-|\.|\[|\]|\\|/)+")
REFUSED_BY_K = set("=, []()")

awkward_text = st.text(alphabet="ab0.=,[]() -_:/+", max_size=6) | st.sampled_from(["a b", "x=1", "a,b", "[0]", ""])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(),
    st.sampled_from([0.1234567, 0.1234568, 0.1, 1e-5, 1.0, 1, "1"]),
    awkward_text,
    st.text(max_size=4),
)
param_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.from_regex(r"[a-z_]{1,3}", fullmatch=True), scalars, max_size=2),
)
# "training.lr" and "data.lr" share their last component, so ids use full paths.
PATHS = ["training.lr", "data.lr", "model.hidden", "model.act", "seed"]
points_on_paths = st.lists(st.sampled_from(PATHS), max_size=4, unique=True).flatmap(
    lambda paths: st.tuples(
        st.just(paths), st.lists(st.fixed_dictionaries({path: param_values for path in paths}), max_size=12)
    )
)


def assert_selectable(trial_id: str) -> None:
    assert not REFUSED_BY_K & set(trial_id), trial_id
    assert K_IDENTIFIER.fullmatch(trial_id), trial_id


@PROPERTY
@given(case=points_on_paths)
@example(case=(["training.lr"], [{"training.lr": 0.1234567}, {"training.lr": 0.1234568}]))
@example(case=(["model.act"], [{"model.act": "a b"}, {"model.act": "a_b"}, {"model.act": "a b"}]))
@example(case=(["model.act"], [{"model.act": 1}, {"model.act": 1.0}, {"model.act": "1"}, {"model.act": True}]))
def test_ids_are_unique_selectable_and_stable(case: tuple[list[str], list[dict[str, Any]]]) -> None:
    paths, points = case
    ids = trial_ids(points, paths)
    assert len(ids) == len(points)
    assert len(set(ids)) == len(ids)
    for trial_id in ids:
        assert_selectable(trial_id)
    assert trial_ids(copy.deepcopy(points), list(paths)) == ids


long_text = st.text(min_size=30, max_size=400) | st.text(alphabet="ab", min_size=200, max_size=300)
dotted_paths = st.from_regex(r"[a-z]{1,3}(\.[a-z]{1,12}){0,4}", fullmatch=True)
many_paths = st.lists(dotted_paths, min_size=1, max_size=40, unique=True)
long_points = many_paths.flatmap(
    lambda paths: st.tuples(
        st.just(paths),
        st.lists(
            st.fixed_dictionaries({path: st.one_of(scalars, long_text, st.floats(0, 1)) for path in paths}),
            min_size=1,
            max_size=8,
        ),
    )
)
DUP_ROOM = len("-dup:99")


@PROPERTY
@given(case=long_points)
@example(case=([f"p{i}" for i in range(29)], [{f"p{i}": 0.1234567 + j for i in range(29)} for j in range(3)]))
@example(case=(["prompt"], [{"prompt": "You are a helpful assistant. " * 30 + end} for end in "ab"]))
def test_long_ids_stay_bounded_unique_selectable_and_stable(case: tuple[list[str], list[dict[str, Any]]]) -> None:
    paths, points = case
    ids = trial_ids(points, paths)
    assert len(set(ids)) == len(ids)
    assert all(len(trial_id) <= MAX_ID + DUP_ROOM for trial_id in ids)
    for trial_id in ids:
        assert_selectable(trial_id)
    assert trial_ids(copy.deepcopy(points), list(paths)) == ids


@PROPERTY
@given(case=long_points | points_on_paths)
def test_folder_names_are_safe_and_one_per_trial(case: tuple[list[str], list[dict[str, Any]]]) -> None:
    ids = trial_ids(case[1], case[0])
    folders = folder_names(ids)
    assert len({folder.casefold() for folder in folders}) == len(ids)  # also on case-insensitive file systems
    for folder in folders:
        assert 0 < len(folder.encode()) <= 255
        assert not set(folder) & set(':/\\<>"|?*'), folder
        assert not folder.startswith(".") and not folder.endswith(".")
    assert folder_names(list(ids)) == folders


def test_folder_names_read_like_the_id() -> None:
    assert folder_names(["lr:0.01-hidden:32", "trial:07"]) == ["lr=0.01-hidden=32", "trial=07"]


def test_near_equal_floats_get_distinct_readable_ids() -> None:
    assert trial_ids([{"lr": 0.1234567}, {"lr": 0.1234568}, {"lr": 0.5}], ["lr"]) == [
        "lr:0.1234567",
        "lr:0.1234568",
        "lr:0.5",
    ]


def test_mapping_value_keys_are_sanitized() -> None:
    for trial_id in trial_ids([{"opt": {"beta 1": 0.9}}, {"opt": {"a=b": 1}}], ["opt"]):
        assert_selectable(trial_id)


def test_parameter_names_are_sanitized() -> None:
    for trial_id in trial_ids([{"model.learning rate": 0.1}, {"model.learning rate": 0.2}], ["model.learning rate"]):
        assert_selectable(trial_id)


# --- dotted paths -----------------------------------------------------------

keys = st.from_regex(r"[a-z0-9_]{1,4}", fullmatch=True)
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4))
nodes = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=12
)
configs = st.dictionaries(keys, nodes, max_size=4)


def node_paths(node: Any, prefix: str = "") -> Iterator[str]:
    """The dotted path of every node under ``node``: dict keys and list indices."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        path = f"{prefix}{key}"
        yield path
        yield from node_paths(child, f"{path}.")


@PROPERTY
@given(config=configs, data=st.data(), value=nodes)
def test_set_path_then_get_path_gives_the_value(config: dict[str, Any], data: st.DataObject, value: Any) -> None:
    existing = list(node_paths(config))
    new = ".".join(data.draw(st.lists(keys, min_size=1, max_size=4), label="new path"))
    path = data.draw(st.sampled_from([*existing, new]), label="path")
    try:
        set_path(config, path, value)
    except SweepError:
        assert path == new  # only a made-up path may run into a scalar or past a list
        return
    assert get_path(config, path) == value


@PROPERTY
@given(config=configs)
def test_flatten_then_setting_every_path_rebuilds_the_config(config: dict[str, Any]) -> None:
    flat = dict(flatten(config))
    assert all(get_path(config, path) == value for path, value in flat.items())
    assert with_params({}, flat) == config
    skeleton = with_params({}, dict.fromkeys(flat))  # same shape, every leaf None
    assert with_params(skeleton, flat) == config


@PROPERTY
@given(config=configs, data=st.data())
def test_resume_looks_up_the_hash_the_worker_stores(config: dict[str, Any], data: st.DataObject) -> None:
    """Resume hashes at collection without copying the config; a trial's record hashes the config it got."""
    existing = list(node_paths(config))
    made_up = [".".join(path) for path in data.draw(st.lists(st.lists(keys, min_size=1, max_size=3), min_size=1))]
    paths = data.draw(st.lists(st.sampled_from([*existing, *made_up]), max_size=4, unique=True), label="paths")
    params = {path: data.draw(nodes, label=path) for path in paths}
    try:
        merged = with_params(config, params)
    except SweepError:
        return  # a made-up path through a scalar: the sweep file is refused at collection
    spec = sweep({}, config=config, experiment="models:train")
    before = copy.deepcopy(config)
    assert spec.trial_hash(params) == config_hash(merged, "models:train", "sweep_s.yaml::s")
    assert config == before  # the cheap hash shares the config but never changes it


@pytest.mark.parametrize(
    "operation", [lambda c: set_path(c, "layers.²", 3), lambda c: get_path(c, "layers.²")], ids=["set", "get"]
)
def test_non_ascii_digit_index_is_a_sweep_error(operation: Any) -> None:
    with pytest.raises((SweepError, KeyError)):
        operation({"layers": [1, 2]})


# --- the expression language -------------------------------------------------

# Outside the language: refused by Expression.parse.
REFUSED = [
    "__import__('os').system('x')",
    "__import__('os')",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 1",
    "(lambda x: x)(1)",
    "[x for x in (1, 2)]",
    "{x for x in (1,)}",
    "(x for x in ())",
    "{1: 2}",
    "(1).real",
    "'abc'.upper()",
    "open('pwned', 'w')",
    "exec('1')",
    "eval('1')",
    "compile('1', '', 'eval')",
    "globals()",
    "getattr(1, 'real')",
    "breakpoint()",
    "2**1000",
    "x ** 1e6",
    "max(*[1, 2])",
    "max(x=1)",
    "min()",
    "f'{x}'",
    "x[::-1]",
    "x['a']",
    "(yield)",
    "x if y else z",
    "(x := 1)",
    "...",
    "b'x'",
    "1j",
    "~1",
    "1 << 1000",
    "not " * 40 + "x",
    "-" * 400 + "1",
    "x" * 600,
    "abs",
    "\x00",
]
# Inside the language but hostile: evaluation must stay bounded.
RUNAWAY = ["9**9**9", "'a'*10**9", "10**10**10", "1e308**2", "1/0", "log(0)", "(-8)**0.5"]
# Accepted as one constant or one dotted name, which is only ever a dict lookup.
DEEP = ["(" * 150 + "1" + ")" * 150, "a." * 200 + "b", "x.__class__.__init__.__globals__"]
ATTACKS = [*REFUSED, *RUNAWAY, *DEEP]

atoms = st.sampled_from(["x", "y", "a.b", "layers[0]", "0", "1", "-1", "2.5", "1e308", "'s'", "True", "None"])
operators = st.sampled_from(
    ["+", "-", "*", "/", "//", "%", "**", "<", "<=", "==", "!=", ">", ">=", "and", "or", "in", "not in"]
)


def compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, operators, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not "]), inner).map("".join),
        st.tuples(
            st.sampled_from(["abs", "min", "max", "log", "mean", "median", "std"]),
            st.lists(inner, min_size=1, max_size=3),
        ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.lists(inner, max_size=3).map(lambda items: "(" + ", ".join(items) + ",)"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(inner, st.sampled_from(ATTACKS)).map(lambda t: f"{t[0]} + {t[1]}"),
    )


expression_texts = st.one_of(
    st.text(max_size=40), st.sampled_from(ATTACKS), st.recursive(atoms, compound, max_leaves=10)
)
name_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=3),
    st.tuples(st.floats(), st.floats()),  # a gate's metric: one value per repeat
)
WATCHED = ("__import__", "open", "exec", "eval", "compile", "breakpoint", "input")


@contextlib.contextmanager
def watching_builtins(calls: list[str]) -> Iterator[None]:
    """Record calls of builtins that run code or touch files, except ``ast.parse``'s own."""
    originals = {name: getattr(builtins, name) for name in WATCHED}

    def spy(name: str) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
            parser_own = (name == "compile" and flags & ast.PyCF_ONLY_AST) or (
                name == "__import__" and args[0] == "unicodedata"  # the parser normalizes non-ASCII names
            )
            if not parser_own:
                calls.append(f"{name}{args[:1]}")
            return originals[name](*args, **kwargs)

        return recorded

    try:
        for name in WATCHED:
            setattr(builtins, name, spy(name))
        yield
    finally:
        for name, original in originals.items():
            setattr(builtins, name, original)


@PROPERTY
@given(text=expression_texts, gate=st.booleans(), data=st.data())
def test_expressions_only_parse_evaluate_or_refuse(text: str, gate: bool, data: st.DataObject) -> None:
    """Also as `gate:` expressions, whose statistics take one metric's values over the repeats."""
    calls: list[str] = []
    with watching_builtins(calls):
        try:
            expression: Expression | None = Expression.parse(text, gate=gate)
        except SweepError:
            expression = None
    if expression is not None:
        values = data.draw(st.fixed_dictionaries(dict.fromkeys(expression.names, name_values)), label="values")
        with watching_builtins(calls):
            start = time.perf_counter()
            with contextlib.suppress(EvaluationError):
                expression.evaluate(values)
            assert time.perf_counter() - start < 1.0
    assert calls == []


@pytest.mark.parametrize("gate", [False, True])
@pytest.mark.parametrize("text", REFUSED)
def test_code_is_refused_at_parse(text: str, gate: bool) -> None:
    with pytest.raises(SweepError):
        Expression.parse(text, gate=gate)


@pytest.mark.parametrize("text", RUNAWAY)
def test_runaway_arithmetic_is_an_evaluation_error(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(EvaluationError):
        Expression.parse(text).evaluate({})
    assert time.perf_counter() - start < 0.5


def test_lone_surrogate_is_a_sweep_error() -> None:
    with pytest.raises(SweepError):
        Expression.parse("x > '\ud800'")  # YAML "\ud800" escapes produce this


# --- parameter spaces ----------------------------------------------------------

# Bounds stay small enough that exp() of the log kinds cannot overflow;
# huge bounds have their own test below.
bounds = st.one_of(st.integers(-50, 50), st.floats(-50, 50), st.sampled_from([0, 1, 1e-5, 0.5]))
odd = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.floats(), st.lists(st.integers(), max_size=2))
space_mappings = st.fixed_dictionaries(
    {},
    optional={
        "distribution": st.sampled_from([*DISTRIBUTIONS, "unifrom", "beta"]),
        "min": bounds | odd,
        "max": bounds | odd,
        "mu": bounds,
        "sigma": bounds | odd,
        "q": st.sampled_from([0.1, 0.25, 1, 2, 0, -1]),
        "values": st.lists(scalars, max_size=4),
        "probabilities": st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0]), max_size=4),
        "valeus": st.just([1]),
    },
)


def range_of(space: Distribution) -> tuple[float, float]:
    """Where a bounded kind's values lie (W&B semantics)."""
    kind = space.kind.removeprefix("q_")
    low, high = space.low, space.high
    if kind == "log_uniform":
        low, high = math.exp(low), math.exp(high)
    elif kind == "inv_log_uniform":
        low, high = math.exp(-high), math.exp(-low)
    if space.q is not None:  # round(X / q) * q may step half a q outside
        low, high = low - space.q / 2, high + space.q / 2
    return low, high


def assert_in_space(space: Space, value: Any) -> None:
    if isinstance(space, Values):
        assert any(value is v for v in space.values)
        return
    assert isinstance(value, int | float) and not isinstance(value, bool)
    assert not math.isnan(value)
    if space.kind == "int_uniform" or (space.q is not None and float(space.q).is_integer()):
        assert isinstance(value, int)
    if "normal" in space.kind or space.kind == "inv_log_uniform_values":
        return  # unbounded; inv_log_uniform_values has its own test below
    low, high = range_of(space)
    assert low * (1 - 1e-9) - 1e-12 <= value <= high * (1 + 1e-9) + 1e-12, (space, value)


@PROPERTY
@given(raw=space_mappings | st.lists(scalars, max_size=3) | scalars, units=st.lists(st.floats(0, 1), max_size=20))
def test_parse_space_refuses_or_samples_inside_the_space(raw: Any, units: list[float]) -> None:
    try:
        space = parse_space(raw)
    except SweepError:
        return
    for u in [0.0, 0.5, 1.0, *units]:
        assert_in_space(space, space.from_unit(u))


@PROPERTY
@given(values=st.lists(st.integers(), min_size=1, max_size=4), data=st.data())
def test_categorical_never_draws_a_zero_probability_value(values: list[int], data: st.DataObject) -> None:
    weights = data.draw(st.lists(st.sampled_from([0, 1, 2]), min_size=len(values), max_size=len(values)))
    if not any(weights):
        return
    probabilities = [w / sum(weights) for w in weights]
    space = parse_space({"values": list(range(len(values))), "probabilities": probabilities})
    for u in data.draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=20)):
        assert probabilities[space.from_unit(u)] > 0


def test_inv_log_uniform_values_stays_between_min_and_max() -> None:
    space = parse_space({"distribution": "inv_log_uniform_values", "min": 0.001, "max": 0.1})
    assert all(0.001 <= space.from_unit(u / 10) <= 0.1 for u in range(11))


@pytest.mark.parametrize(
    "raw",
    [
        {"distribution": "log_uniform", "min": 0, "max": 1000},
        {"distribution": "log_normal", "mu": 1000, "sigma": 1},
    ],
    ids=["log_uniform", "log_normal"],
)
def test_log_kinds_with_huge_bounds_are_refused_or_sampled(raw: dict[str, Any]) -> None:
    try:
        space = parse_space(raw)
    except SweepError:
        return
    for u in (0.0, 0.5, 1.0):
        space.from_unit(u)


def test_uniform_over_the_whole_float_range_stays_finite() -> None:
    space = parse_space({"distribution": "uniform", "min": -1e308, "max": 1e308})
    assert all(-1e308 <= space.from_unit(u / 10) <= 1e308 for u in range(11))

"""Generated sweep files load or fail with a SweepError, never anything else."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sweep_plugin.errors import SweepError
from sweep_plugin.search import plan_trials
from sweep_plugin.spec import SWEEP_KEYS, load_sweep_file

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-10, 10) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


spaces = st.one_of(
    st.lists(json_values, max_size=4),
    st.fixed_dictionaries(
        {},
        optional={
            "values": st.lists(json_values, max_size=3),
            "distribution": st.sampled_from(["uniform", "int_uniform", "log_uniform_values", "normal", "nope"]),
            "min": st.integers(-3, 3) | st.floats(-3, 3),
            "max": st.integers(-3, 3) | st.floats(-3, 3),
            "q": st.sampled_from([0, 0.5, 2]),
        },
    ),
    json_values,
)


sweep_files = st.fixed_dictionaries(
    {"experiment": st.just("models:train")},
    optional={
        "parameters": st.dictionaries(st.sampled_from(["a", "b.c", "d.0", "e.f.g", "a b", ""]), spaces, max_size=3),
        "method": st.sampled_from(["grid", "random", "lhs", "bayes", "nope"]),
        "trials": st.integers(-1, 5) | json_values,
        "repeat": st.integers(-1, 3) | json_values,
        "constraints": st.lists(st.sampled_from(["a > 0", "a <", "b.c * 2 <= a", "zz", "__import__('os')"])),
        "expect": st.lists(st.sampled_from(["loss < 1", "acc >", "min(a, 1) >= 0", "x.__class__"])),
        "config": json_values,
        "metric": json_values | st.just({"name": "acc", "goal": "maximize"}),
        "quick": json_values,
        "timeout": json_values,
        "marks": json_values,
        "seed": json_values,
        "unknown_key": json_values,
    },
).map(lambda d: {k: v for k, v in d.items() if k in SWEEP_KEYS or k == "unknown_key"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=sweep_files)
def test_generated_sweep_files_load_or_fail_cleanly(tmp_path: Path, data: dict[str, Any]) -> None:
    path = tmp_path / "sweep_gen.yaml"
    path.write_text(yaml.safe_dump(data))
    try:
        specs = load_sweep_file(path)
    except SweepError as exc:
        assert str(exc).startswith("sweep_gen.yaml")
        return
    for spec in specs:
        with contextlib.suppress(SweepError):  # collection names the file and the sweep's line for these
            plan_trials(spec)


@pytest.mark.parametrize(
    ("row", "kept"),
    [
        ('{"metrics": {"acc": 1}, "params": {}}', True),
        ('{"metrics": {"acc": 1', False),
        ("[1, 2]", False),
        ('{"metrics": "0.9"}', False),
        ('{"params": [1]}', False),
        ('{"metrics": null}', True),
    ],
)
def test_a_stored_row_is_a_record_or_set_aside(row: str, kept: bool) -> None:
    from sweep_plugin.records.store import readable

    assert (readable(row) is not None) is kept


def test_nesting_deeper_than_a_config_is_told_without_recursion() -> None:
    from sweep_plugin.spec.yamlio import MAX_DEPTH, too_deep

    deep: object = 1
    for _ in range(50_000):  # far past Python's recursion limit: measured level by level
        deep = {"a": [deep]}
    assert too_deep(deep)
    shallow: object = 1
    for _ in range(MAX_DEPTH // 2):
        shallow = {"a": [shallow]}
    assert not too_deep(shallow)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        (
            "# a sweep\n---\nmethod: grid\nparameters:\n  lr: [1, 2]\n'metric': {name: a}\n",
            {"method", "parameters", "metric"},
        ),
        ('"program": train.py\nname: x  # comment\n', {"program", "name"}),
        ("- 1\n- 2\n", set()),
        ('{"method": "grid", "parameters": {"a": {"values": [1, 2]}}, "name": "n"}', {"method", "parameters", "name"}),
        ('[{"method": "grid"}]', set()),
        ("{results: [[1, 2], [3]], accuracy: 0.9}", {"results", "accuracy"}),
    ],
    ids=["block", "quoted", "list", "flow", "flow-list", "flow-nested"],
)
def test_the_top_level_keys_are_read_without_building_the_document(tmp_path: Path, text: str, keys: set[str]) -> None:
    from sweep_plugin.sniff import top_level_keys

    path = tmp_path / "sweep_x.yaml"
    path.write_text(text)
    assert top_level_keys(path) == keys

"""``--sweep-set`` read and applied without a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweep_plugin.errors import SweepError
from sweep_plugin.space import Values
from sweep_plugin.spec import SweepSpec, parse_set, parse_sets, unmatched, with_sets


def spec(**spaces: list[object]) -> SweepSpec:
    return SweepSpec(
        name="s",
        file=Path("sweep_s.yaml"),
        display="sweep_s.yaml",
        line=1,
        spaces={path: Values(tuple(values)) for path, values in spaces.items()},
        config={"training": {"epochs": 3}},
    )


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("lr=0.01,0.1", (0.01, 0.1)),
        ("layers=range(1,4)", (1, 2, 3)),
        ("opt=choice(adam, sgd)", ("adam", "sgd")),
        ("lr=0.5", (0.5,)),
        ("name=resnet", ("resnet",)),
        ("flag=true", (True,)),
        ("sizes=[1, 2]", ([1, 2],)),  # a YAML list is one value, as in Hydra
    ],
)
def test_values_read_as_hydra_reads_them(raw: str, values: tuple[object, ...]) -> None:
    space = parse_set(raw).space
    assert isinstance(space, Values) and tuple(space.values) == values


def test_a_range_is_a_distribution_and_bad_text_says_how_to_write_it() -> None:
    assert not isinstance(parse_set("lr=tag(log, interval(1e-4, 1e-1))").space, Values)
    for raw in ("lr", "=0.1", "lr="):
        with pytest.raises(SweepError, match="expected PATH=VALUES"):
            parse_set(raw)
    with pytest.raises(SweepError, match=r"interval\(\) needs start and end"):
        parse_set("lr=interval(0.1)")


def test_a_sweep_has_a_path_as_parameter_or_config_key_and_the_later_set_wins() -> None:
    overrides = parse_sets(("lr=0.1,0.2", "training.epochs=5", "lr=0.3", "momentum=0.9"))
    changed, applied = with_sets(spec(lr=[1.0], layers=[1, 2]), overrides)
    assert applied == {"lr", "training.epochs"}
    assert changed.spaces["lr"] == Values((0.3,)) and changed.spaces["training.epochs"] == Values((5,))
    problem = unmatched(overrides, applied, {changed.key: changed})
    assert problem.startswith("--sweep-set momentum: no collected sweep has it as a parameter or config key")
    assert "sweep_s.yaml::s (lr, layers, training.epochs)" in problem
    assert unmatched(overrides[:2], applied, {}) == ""

"""A YAML file named on the command line is never silent, and a Hydra config is never taken for a sweep (issue 19).

Real projects' files, copied verbatim into ``tests/hydra_configs/`` (see its README), were skipped without a word
("no tests ran") or stopped at "defaults: unknown key".
"""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

import pytest

HYDRA_CONFIGS = Path(__file__).parent / "hydra_configs"

TUNE_SPACE = """
param_space:
  train_loop_config:
    lr: {loguniform: [0.0001, 0.1]}
    batch_size: {grid_search: [32, 64]}
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_each_named_file_that_is_not_a_sweep_gets_one_line_saying_what_it_is(
    pytester: pytest.Pytester, processes: str
) -> None:
    for name in ("mnist_optuna.yaml", "experiment_example.yaml", "optuna_sweeper_example.yaml"):
        shutil.copy(HYDRA_CONFIGS / name, pytester.path / name)
    pytester.makefile(".yaml", tune=TUNE_SPACE, points="- {x: 1, y: 2}\n- {x: 3, y: 4}\n")
    names = ["mnist_optuna.yaml", "experiment_example.yaml", "optuna_sweeper_example.yaml", "tune.yaml", "points.yaml"]
    result = pytester.runpytest("-p", "no:cacheprovider", "-n", processes, *names)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    out = result.stdout.str()
    assert "defaults: unknown key" not in out and "ERROR" not in out
    for line in [
        "mnist_optuna.yaml: a Hydra sweeper config (5 parameters), not a sweep file: run it through its app with a"
        " sweep file holding hydra: {app: <the @hydra.main script>, overrides: ?*=mnist_optuna?}*",
        "experiment_example.yaml: a Hydra config (a defaults: list), not a sweep file*",
        "optuna_sweeper_example.yaml: a Hydra sweeper config (2 parameters), not a sweep file: *",
        "tune.yaml: a Ray Tune search space, not a sweep file*",
        "points.yaml: a data file (a list of 2 items), not a sweep file; nothing to run",
    ]:
        assert len([x for x in result.stdout.lines if fnmatch.fnmatch(x, line)]) == 1, (line, out)


def test_a_hydra_config_under_the_sweep_patterns_is_not_a_sweep(pytester: pytest.Pytester) -> None:
    """A Hydra experiment config named like a sweep (seed:, experiment-shaped keys) is left alone, not an error."""
    shutil.copy(HYDRA_CONFIGS / "experiment_example.yaml", pytester.path / "sweep_example.yaml")
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "unknown key" not in result.stdout.str()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            "lr: {distribution: uniform, values: [0.1, 0.2]}",
            "*parameters.lr: distribution: uniform with values: contradict each other*",
        ),
        (
            "lr: uniform(0.0, 0.5)",
            "*parameters.lr: 'uniform(0.0, 0.5)' is not Hydra's sweeper grammar (uniform() is another tool's): write"
            " interval(a, b)*",
        ),
        ("lr: tune.loguniform(1e-4, 1e-1)", "*write tag(log, interval(a, b))*"),
    ],
)
def test_a_space_that_contradicts_itself_or_is_another_tools_is_an_error(
    pytester: pytest.Pytester, parameters: str, message: str
) -> None:
    pytester.makepyfile(model="def train(config):\n    return {'acc': 1.0}\n")
    pytester.makefile(".yaml", sweep_s=f"experiment: model:train\nmethod: random\nparameters:\n  {parameters}\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])

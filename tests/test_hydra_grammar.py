"""Hydra's sweeper grammar in a parameter value is a space (SPEC section 10).

The parser on its own (what each form becomes, which strings stay constants,
what a malformed one says), Hypothesis properties of ``choice``, comma lists
and ``range``, and real pytest sessions that sample and grid over the spaces.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--sweep-no-report")


# -- sessions -----------------------------------------------------------------------------------------------

MODELS = """
    import json
    from pathlib import Path

    SEEN = Path(__file__).parent / "seen.jsonl"

    def record(config):
        with SEEN.open("a") as out:
            out.write(json.dumps(config) + "\\n")
        return {"loss": 1.0}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=dedent(MODELS))
    return pytester


def seen(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    path: Path = pytester.path / "seen.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_random_sweep_over_an_interval_draws_distinct_floats(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_x="experiment: models:record\nmethod: random\ntrials: 5\nparameters:\n  lr: interval(0.0001, 0.1)\n",
    )
    project.runpytest(*QUIET).assert_outcomes(passed=5)
    values = [config["lr"] for config in seen(project)]
    assert len(set(values)) == 5, values
    assert all(isinstance(value, float) and 0.0001 <= value <= 0.1 for value in values)


def test_a_grid_over_choice_range_and_a_comma_list_gives_every_trial_id(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_x="""
            experiment: models:record
            parameters:
              opt: choice(adam, 'sgd')
              layers: range(1, 5, 2)
              act: relu,tanh
        """,
    )
    grid = list(itertools.product(("adam", "sgd"), (1, 3), ("relu", "tanh")))
    result = project.runpytest(*QUIET, "--collect-only", "-q")
    ids = [f"sweep_x.yaml::x[[]opt:{opt}-layers:{layers}-act:{act}[]]" for opt, layers, act in grid]
    result.stdout.fnmatch_lines(ids, consecutive=True)
    project.runpytest(*QUIET).assert_outcomes(passed=8)
    assert sorted((config["opt"], config["layers"], config["act"]) for config in seen(project)) == grid


def test_workers_agree_on_a_shuffled_grid(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_x="experiment: models:record\nparameters:\n  order: shuffle(range(0, 6))\n")
    project.runpytest(*QUIET, "-n", "2").assert_outcomes(passed=6)
    assert sorted(config["order"] for config in seen(project)) == list(range(6))


def test_a_log_tagged_interval_draws_log_spaced_values(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_x="experiment: models:record\nmethod: random\ntrials: 20\nparameters:\n"
        "  lr: tag(log, interval(1e-5, 1e-1))\n",
    )
    project.runpytest(*QUIET).assert_outcomes(passed=20)
    values = [config["lr"] for config in seen(project)]
    assert all(1e-5 <= value <= 1e-1 for value in values)
    # Log-uniform over four decades puts half the draws below 1e-3; uniform would put 1% there.
    assert sum(value < 1e-3 for value in values) >= 5, values


def test_an_optuna_sweeper_space_runs_under_bayes(project: pytest.Pytester) -> None:
    """`hydra.sweeper.params` of Hydra's Optuna sweeper, as `parameters:` of a bayes sweep."""
    project.makefile(
        ".yaml",
        sweep_x="experiment: models:record\nmethod: bayes\ntrials: 6\nmetric: {name: loss, goal: minimize}\n"
        "parameters:\n  lr: tag(log, interval(1e-4, 1e-1))\n  units: tag(log, interval(1, 64))\n"
        "  act: choice(relu, tanh)\n",
    )
    project.runpytest(*QUIET).assert_outcomes(passed=6)
    configs = seen(project)
    assert all(isinstance(config["units"], int) and 1 <= config["units"] <= 64 for config in configs)
    assert all(1e-4 <= config["lr"] <= 1e-1 for config in configs)
    assert {config["act"] for config in configs} <= {"relu", "tanh"}


def test_a_bad_grammar_is_a_collection_error_naming_file_and_line(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_x="experiment: models:record\nmethod: random\ntrials: 3\nparameters:\n"
        "  units: choice(8, 16)\n  lr: interval(0.1)\n",
    )
    result = project.runpytest(*QUIET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["sweep_x.yaml:6: parameters.lr: 'interval(0.1)': interval() needs start and end; end missing*"]
    )
    assert "Traceback" not in result.stdout.str()
    assert not (project.path / "seen.jsonl").exists()

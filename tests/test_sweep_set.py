"""``--sweep-set PATH=VALUES``: a sweep from the command line, as Hydra's ``--multirun key=a,b`` (issue 19, point 5)."""

from __future__ import annotations

import csv

import pytest

MODEL = """
def train(config):
    if config["lr"] == 0.05 and config["layers"] == 2:
        raise RuntimeError("diverged")
    return {"acc": config["lr"] * config["layers"], "epochs": config["training"]["epochs"]}
"""

SWEEP = """
experiment: model:train
config: {training: {epochs: 3}}
parameters:
  lr: [0.1, 0.2]
  layers: [1, 2]
metric: {name: acc, goal: maximize}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    pytester.makefile(".yaml", sweep_a=SWEEP)
    return pytester


def rows(pytester: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_values_replace_a_parameter_ids_show_them_and_last_failed_reruns_the_same(
    project: pytest.Pytester, processes: str
) -> None:
    sets = ["--sweep-set", "lr=0.01,0.05", "--sweep-set", "training.epochs=range(1,3)"]
    result = project.runpytest(*sets, "-n", processes)
    result.assert_outcomes(passed=6, failed=2)
    trials = rows(project)
    assert "lr:0.05-layers:2-epochs:1" in trials and len(trials) == 8
    epochs = {float(row["metrics.epochs"]) for row in trials.values() if row["metrics.epochs"]}
    assert epochs == {1.0, 2.0}  # a config key became a parameter
    rerun = project.runpytest(*sets, "--lf", "-n", processes)
    rerun.assert_outcomes(failed=2)  # the same two overridden trials, nothing else
    rerun.stdout.fnmatch_lines(["*lr:0.05-layers:2-epochs:1*", "*lr:0.05-layers:2-epochs:2*"])


def test_one_value_fixes_a_parameter(project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:cacheprovider", "--sweep-set", "lr=0.3").assert_outcomes(passed=2)
    assert sorted(rows(project)) == ["layers:1", "layers:2"]
    assert {row["params.lr"] for row in rows(project).values()} == {"0.3"}


def test_the_ini_file_sets_too(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsweep_set =\n    layers=3\n")
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert sorted(rows(project)) == ["lr:0.1", "lr:0.2"]


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_path_no_sweep_has_is_an_error_naming_the_sweeps(project: pytest.Pytester, processes: str) -> None:
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-set", "learning_rate=0.1", "-n", processes)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --sweep-set learning_rate: no collected sweep has it as a parameter or config key;"
            " the sweeps: sweep_a.yaml::a (lr, layers)"
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert not (project.path / "reports" / "summary.csv").exists()


def test_values_that_are_not_the_grammar_are_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-set", "lr=interval(0.1)")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --sweep-set 'lr=interval(0.1)': *interval() needs start and end*"])
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-set", "lr")
    result.stderr.fnmatch_lines(["ERROR: --sweep-set 'lr': expected PATH=VALUES*"])


def test_the_ini_files_set_never_stops_a_session_without_that_parameter(pytester: pytest.Pytester) -> None:
    """A team's default applies where it applies: unit tests alone, or sweeps without the path, still run."""
    pytester.makeini("[pytest]\nsweep_set =\n    dropout=0.1\n")
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n", model=MODEL)
    pytester.runpytest("-p", "no:cacheprovider", "test_plain.py").assert_outcomes(passed=1)
    pytester.makefile(".yaml", sweep_a=SWEEP)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_a_number_reads_as_a_sweep_file_reads_it(project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:cacheprovider", "--sweep-set", "lr=1e-1").assert_outcomes(passed=2)
    assert {row["params.lr"] for row in rows(project).values()} == {"0.1"}  # YAML 1.1 would keep "1e-1" a string

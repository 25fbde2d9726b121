"""W&B sweep files of the shapes W&B's documentation shows, each run through a real session.

The files and their stand-in programs are in ``wandb_sweeps/``; nothing in
them is written for this plugin. Each must load, run every trial, and bring
back the metrics its program logged, with the real ``wandb`` package offline.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wandb")

FILES = Path(__file__).parent / "wandb_sweeps"
Records = dict[str, dict[str, Any]]

# file -> (trials it runs, the options it is run with, a metric every finished trial reports)
RUNS: dict[str, tuple[int, tuple[str, ...], str]] = {
    "random_no_cap.yaml": (3, ("--sweep-trials", "3"), "val/acc"),
    "grid_nested.yaml": (4, (), "val/loss"),
    "bayes_hyperband.yaml": (4, (), "val/acc"),
    "command_args.yaml": (2, (), "val_loss"),
    "command_flags.yaml": (2, (), "val_loss"),
    "command_json.yaml": (2, (), "val_loss"),
    "hydra_overrides.yaml": (3, (), "val/f1"),
}

# what collection says about a file, where W&B and this plugin differ
SAYS = {
    "grid_nested.yaml": "*'project' is a W&B sweep key that sweep_plugin ignores*",
    "bayes_hyperband.yaml": "*method bayes ignores `probabilities`*",
}


def given(pytester: pytest.Pytester, sweep: str, file: str) -> dict[str, Any]:
    """What each trial's program saved of what it was given, by trial id."""
    folders = (pytester.path / "reports" / sweep / "trials").iterdir()
    return {folder.name: json.loads((folder / file).read_text()) for folder in folders}


def params_of(records: Records, trial: str) -> dict[str, Any]:
    return next(record["params"] for record in records.values() if Path(record["dir"]).name == trial)


def fixed_arguments_and_envvars_stand_before_the_sweeps_args(pytester: pytest.Pytester, records: Records) -> None:
    assert sorted(given(pytester, "command_args", "argv.json").values()) == [
        ["-b", "base.yaml", "--learning_rate=0.01", "--batch_size=64"],
        ["-b", "base.yaml", "--learning_rate=0.1", "--batch_size=64"],
    ]


def boolean_parameters_become_flags(pytester: pytest.Pytester, records: Records) -> None:
    assert sorted(given(pytester, "command_flags", "argv.json").values()) == [
        ["--learning_rate=0.01"],
        ["--use_bn", "--learning_rate=0.01"],
    ]


def a_group_and_a_key_inside_it_both_reach_the_app(pytester: pytest.Pytester, records: Records) -> None:
    for trial, overrides in given(pytester, "hydra_overrides", "overrides.json").items():
        params = params_of(records, trial)
        assert overrides == {
            "optimizer": params["optimizer"],
            "optimizer.config.learning_rate": pytest.approx(params["optimizer.config.learning_rate"]),
        }


def the_parameters_arrive_as_json_and_as_a_json_file(pytester: pytest.Pytester, records: Records) -> None:
    for trial, argv in given(pytester, "command_json", "argv.json").items():
        assert json.loads(argv[argv.index("--params_json") + 1]) == params_of(records, trial)
        json_file = pytester.path / argv[argv.index("--params_file") + 1]
        assert json.loads(json_file.read_text()) == params_of(records, trial)


# what a file's programs must have been given, beyond running
CHECKS: dict[str, Callable[[pytest.Pytester, Records], None]] = {
    "command_json.yaml": the_parameters_arrive_as_json_and_as_a_json_file,
    "command_args.yaml": fixed_arguments_and_envvars_stand_before_the_sweeps_args,
    "command_flags.yaml": boolean_parameters_become_flags,
    "hydra_overrides.yaml": a_group_and_a_key_inside_it_both_reach_the_app,
}


def test_every_file_is_in_the_table() -> None:
    assert sorted(RUNS) == sorted(path.name for path in FILES.glob("*.yaml"))


def run(pytester: pytest.Pytester, name: str, *options: str) -> tuple[pytest.RunResult, Records]:
    shutil.copytree(FILES, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest(name, "-p", "no:cacheprovider", *options)
    report = json.loads((pytester.path / "reports" / "report.json").read_text())
    return result, {test["nodeid"].partition("[")[2].rstrip("]"): test["metadata"] for test in report["tests"]}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_file_runs_as_written_and_its_metrics_arrive(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    trials, options, metric = RUNS[name]
    monkeypatch.setenv("BASE_CONFIG", "base.yaml")
    result, records = run(pytester, name, *options)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("skipped", 0) == trials, result.stdout.str()
    assert set(outcomes) <= {"passed", "skipped", "warnings"}, result.stdout.str()
    assert len(records) == trials
    if name in SAYS:
        result.stdout.fnmatch_lines([SAYS[name]])
    if name in CHECKS:
        CHECKS[name](pytester, records)
    for record in records.values():
        assert record["history"], record  # every logged step came back
        if record["outcome"] == "passed":
            assert metric in record["metrics"], record
        else:
            assert record["outcome"] == "pruned", record


def test_without_run_cap_the_budget_is_stated(pytester: pytest.Pytester) -> None:
    shutil.copytree(FILES, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest("random_no_cap.yaml", "-p", "no:cacheprovider", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*no budget given (trials, run_cap or --sweep-trials): 10 trials*"])
    assert "10 tests collected" in result.stdout.str()

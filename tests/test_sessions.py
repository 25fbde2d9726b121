"""Real pytest sessions over sweep files: outcomes, ids, selection, xdist, records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

MODELS = """
import numpy as np

def train(config, trial):
    lr, hidden = config["training"]["lr"], config["model"]["hidden"]
    for step in range(3):
        trial.log(step=step, loss=np.float64(1.0 / (step + 1) / lr))
    return {"acc": np.float32(min(1.0, lr * hidden / 10))}

def boom(config):
    if config["x"] == 2:
        raise ValueError("x must not be 2")
    return {"y": config["x"]}

def hang(config):
    import time
    time.sleep(config["s"])
    return {"y": 1.0}
"""

SWEEP_LR = """
experiment: models:train
config:
  training: {epochs: 3}
parameters:
  training.lr: [0.01, 0.1, 1.0]
  model.hidden: [8, 32]
metric: {name: acc, goal: maximize}
expect:
  - acc >= 0.05
quick:
  training.lr: [0.1]
"""

ALL_IDS = [
    "lr:0.01-hidden:8",
    "lr:0.01-hidden:32",
    "lr:0.1-hidden:8",
    "lr:0.1-hidden:32",
    "lr:1-hidden:8",
    "lr:1-hidden:32",
]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_lr=SWEEP_LR)
    return pytester


def report_tests(pytester: pytest.Pytester) -> dict[str, dict]:
    data = json.loads((pytester.path / "reports" / "report.json").read_text())
    return {test["nodeid"]: test for test in data["tests"]}


def test_each_trial_is_an_item_with_a_readable_id(project: pytest.Pytester) -> None:
    result = project.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([f"sweep_lr.yaml::lr[[]{trial_id}[]]" for trial_id in ALL_IDS])
    assert result.ret == 0


def test_missed_expectations_fail_alone_with_values(project: pytest.Pytester) -> None:
    result = project.runpytest("-v")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(
        [
            "sweep_lr.yaml:9: acc >= 0.05: acc = 0.008",
            "params: training.lr=0.01, model.hidden=8",
        ]
    )
    assert "Traceback" not in result.stdout.str()


@pytest.mark.parametrize("processes", [0, 2])
def test_records_reach_the_json_report(project: pytest.Pytester, processes: int) -> None:
    result = project.runpytest("-n", str(processes))
    result.assert_outcomes(passed=4, failed=2)
    tests = report_tests(project)
    record = tests["sweep_lr.yaml::lr[lr:0.1-hidden:32]"]["metadata"]
    assert record["params"] == {"training.lr": 0.1, "model.hidden": 32}
    assert record["metrics"]["acc"] == pytest.approx(0.32)
    assert record["history"] == [
        {"step": 0, "loss": pytest.approx(10.0)},
        {"step": 1, "loss": pytest.approx(5.0)},
        {"step": 2, "loss": pytest.approx(10 / 3)},
    ]
    assert record["outcome"] == "passed"
    assert record["config"] == {"training": {"epochs": 3, "lr": 0.1}, "model": {"hidden": 32}}
    assert record["worker"] == ("gw0" if processes else "main") or record["worker"].startswith("gw")
    failed = tests["sweep_lr.yaml::lr[lr:0.01-hidden:8]"]["metadata"]
    assert failed["outcome"] == "failed"
    assert failed["message"] == "sweep_lr.yaml:9: acc >= 0.05: acc = 0.008"


def test_xdist_gives_the_same_outcomes(project: pytest.Pytester) -> None:
    serial = project.runpytest("-p", "no:cacheprovider")
    parallel = project.runpytest("-p", "no:cacheprovider", "-n", "2")
    assert serial.parseoutcomes() == parallel.parseoutcomes()


def test_keyword_selection_by_parameter_value(project: pytest.Pytester) -> None:
    result = project.runpytest("-k", "lr:0.1 and hidden:32", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*lr[[]lr:0.1-hidden:32[]] PASSED*"])


@pytest.mark.parametrize(("marker", "count"), [("quick", 2), ("full", 6), ("not quick", 4)])
def test_markers_select_trials_under_strict_markers(project: pytest.Pytester, marker: str, count: int) -> None:
    result = project.runpytest("-m", marker, "--strict-markers", "--collect-only", "-q")
    result.stdout.fnmatch_lines([f"{count}*tests collected*"])


def test_last_failed_reruns_only_failed_trials(project: pytest.Pytester) -> None:
    project.runpytest().assert_outcomes(passed=4, failed=2)
    rerun = project.runpytest("--lf", "-v")
    rerun.assert_outcomes(failed=2)
    rerun.stdout.fnmatch_lines(["*lr[[]lr:0.01-hidden:8[]] FAILED*", "*lr[[]lr:0.01-hidden:32[]] FAILED*"])


def test_an_experiment_that_raises_errors_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_boom="experiment: models:boom\nparameters:\n  x: [1, 2, 3]\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*raise ValueError*", "E * ValueError: x must not be 2", "models.py:*: ValueError"])
    assert "sweep_plugin/" not in result.stdout.str()
    record = report_tests(pytester)["sweep_boom.yaml::boom[x:2]"]["metadata"]
    assert (record["outcome"], record["message"]) == ("error", "ValueError: x must not be 2")


def test_timeout_fails_that_trial_and_the_rest_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_hang="experiment: models:hang\ntimeout: 1\nparameters:\n  s: [0, 30, 0.1]\n")
    result = pytester.runpytest_subprocess("-n", "2")
    result.assert_outcomes(passed=2, failed=1)
    record = report_tests(pytester)["sweep_hang.yaml::hang[s:30]"]["metadata"]
    assert record["outcome"] == "timeout"
    assert record["duration_s"] < 10


def test_ini_timeout_applies_to_sweeps_without_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makeini("[pytest]\nsweep_timeout = 1\n")
    pytester.makefile(".yaml", sweep_hang="experiment: models:hang\nparameters:\n  s: [0, 30]\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Timeout (>1.0s) from pytest-timeout*"])


def test_sampled_sweeps_are_the_same_on_every_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(
        ".yaml",
        sweep_rand="""
        experiment: models:train
        method: lhs
        trials: 5
        seed: 3
        parameters:
          training.lr: {distribution: log_uniform_values, min: 0.001, max: 1.0}
          model.hidden: {distribution: int_uniform, min: 4, max: 64}
        """,
    )
    first = pytester.runpytest("--collect-only", "-q").stdout.lines[:5]
    second = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider").stdout.lines[:5]
    assert first == second
    assert all(line.startswith("sweep_rand.yaml::rand[lr:") for line in first)
    assert len(set(first)) == 5


def test_base_config_dotted_overrides_and_list_indices(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        import json
        def record(config, trial):
            (trial.dir / "config.json").write_text(json.dumps(config))
            return {"units": config["layers"][1]["units"]}
        """
    )
    pytester.makefile(".json", base='{"layers": [{"units": 4}, {"units": 8}], "opt": {"lr": 1}}')
    pytester.makefile(
        ".yaml",
        sweep_cfg="""
        experiment: models:record
        base: base.json
        config: {opt.momentum: 0.9}
        parameters:
          layers.1.units: [16, 32]
        expect: [units >= 16]
        """,
    )
    pytester.runpytest().assert_outcomes(passed=2)
    written = pytester.path / "reports" / "cfg" / "trials" / "units=32" / "config.json"
    assert json.loads(written.read_text()) == {
        "layers": [{"units": 4}, {"units": 32}],
        "opt": {"lr": 1, "momentum": 0.9},
    }


def test_marked_python_test_runs_over_the_trials(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.sweep("sweep_lr.yaml")
        def test_train(sweep_config, sweep_params, sweep_trial):
            assert sweep_config["training"]["lr"] == sweep_params["training.lr"]
            sweep_trial.log(acc=sweep_config["training"]["lr"] * 2)
        """
    )
    result = project.runpytest("test_marked.py", "-v", "-m", "quick")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_train[[]lr:0.1-hidden:8[]] PASSED*"])
    failing = project.runpytest("test_marked.py", "-k", "lr:0.01")
    failing.assert_outcomes(failed=2)
    failing.stdout.fnmatch_lines(["sweep_lr.yaml:9: acc >= 0.05: acc = 0.02"])
    record = report_tests(project)["test_marked.py::test_train[lr:0.01-hidden:8]"]["metadata"]
    assert record["outcome"] == "failed"


MARKED_TEST = """
import pytest

@pytest.mark.sweep("sweep_lr.yaml")
def test_train(sweep_config, sweep_params, sweep_trial):
    sweep_trial.log(acc=sweep_config["training"]["lr"] * 2)
"""


def test_marked_tests_under_xdist_write_the_report(project: pytest.Pytester) -> None:
    project.makepyfile(test_marked=MARKED_TEST)
    result = project.runpytest("test_marked.py", "-n", "2")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["lr: 6 trials: 4 passed, 2 failed; best lr:1-hidden:* acc=2"])
    assert len(report_tests(project)) == 6
    with (project.path / "reports" / "summary.csv").open() as summary:
        assert len(summary.readlines()) == 7


def test_project_fixtures_named_like_the_sweep_fixtures_are_left_alone(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest

        @pytest.fixture
        def config():
            return {"mine": True}

        @pytest.fixture
        def params():
            return "mine"
        """
    )
    project.makepyfile(
        test_mine="def test_own(config, params):\n    assert config == {'mine': True} and params == 'mine'\n",
        test_marked=MARKED_TEST.replace("sweep_trial):", "sweep_trial, config):\n    assert config['mine']"),
    )
    result = project.runpytest("test_mine.py", "test_marked.py", "-k", "own or lr:1")
    result.assert_outcomes(passed=3)


def test_without_sweeps_an_unknown_fixture_is_pytests_own_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_needs(config):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'config' not found"])


def test_sweep_fixtures_without_the_mark_say_what_is_missing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_needs(sweep_config):\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sweep_config, sweep_params and sweep_trial need @pytest.mark.sweep(*) on the test"])


def test_long_ids_are_bounded_and_every_trial_gets_a_folder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        def train(config, trial):
            (trial.dir / "seen.txt").write_text(trial.id)
            return {"n": len(config)}
        """
    )
    many = "\n".join(f"  hyper.p{i}: {{distribution: uniform, min: 0, max: 1}}" for i in range(29))
    prompt = "You are a careful assistant. " * 40
    pytester.makefile(
        ".yaml",
        sweep_many=f"experiment: models:train\nmethod: random\ntrials: 3\nparameters:\n{many}\n",
        sweep_prompt=f"experiment: models:train\nparameters:\n  prompt: ['{prompt}A', '{prompt}B']\n",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=5)
    ids = [test["metadata"]["trial"] for test in report_tests(pytester).values()]
    assert len(set(ids)) == 5 and all(len(trial_id) <= 160 for trial_id in ids)
    seen = sorted(path.read_text() for path in (pytester.path / "reports").rglob("seen.txt"))
    assert seen == sorted(ids)
    prompt_id = next(trial_id for trial_id in ids if trial_id.startswith("prompt:"))
    pytester.runpytest("-p", "no:cacheprovider", "-k", prompt_id).assert_outcomes(passed=1)


def test_baseline_expectations_read_an_earlier_summary(project: pytest.Pytester) -> None:
    baseline = project.path / "baseline.csv"
    baseline.write_text("sweep,trial,metrics.acc\nlr,lr:1-hidden:8,0.5\nlr,lr:1-hidden:32,2.0\n")
    sweep = SWEEP_LR.replace("acc >= 0.05", "acc >= baseline.acc - 0.1")
    project.makefile(".yaml", sweep_lr=sweep)
    result = project.runpytest("--sweep-baseline", str(baseline), "-k", "lr:1")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*acc >= baseline.acc - 0.1: acc = 1, baseline.acc = 2"])


@pytest.mark.parametrize("args", [("--collect-only", "-q"), ("-n", "2")])
def test_constraints_removed_count_is_shown(project: pytest.Pytester, args: tuple[str, ...]) -> None:
    project.makefile(".yaml", sweep_lr=SWEEP_LR + "constraints: ['lr * hidden <= 8']\n")
    result = project.runpytest(*args)
    result.stdout.fnmatch_lines(["sweep_lr.yaml::lr: constraints removed 1 of 6 grid points"])


def test_project_without_sweep_files_is_untouched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    with_plugin = pytester.runpytest("-p", "no:cacheprovider")
    without = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:sweep")
    assert with_plugin.ret == without.ret == 0

    def steady(lines: list[str]) -> list[str]:  # timings vary; the plugin list names us
        return [line for line in lines if " in " not in line and not line.startswith("plugins:")]

    assert steady(with_plugin.outlines) == steady(without.outlines)
    assert not (Path(pytester.path) / "reports").exists()


def test_a_trial_folder_that_cannot_be_made_is_that_trials_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config, trial):\n    trial.dir\n    return {'acc': 1.0}\n")
    pytester.makefile(".yaml", sweep_d="experiment: models:train\nparameters:\n  x: [1]\n")
    (pytester.path / "reports").mkdir()
    (pytester.path / "reports" / "d").write_text("a file where the sweep's folder would go")
    result = pytester.runpytest("-p", "no:cacheprovider", "--sweep-no-report")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * cannot create the trial's folder: Not a directory: '*reports/d/trials/trial'"])
    assert "sweep_plugin/" not in result.stdout.str()

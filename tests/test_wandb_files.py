"""Sweep files written for W&B run as written: real sessions, W&B's own formatting as the reference.

The files here are in the shapes W&B's documentation shows (``program:``
with the default command, command lists with macros, nested parameter
blocks, hyperband); the programs are stand-ins at the paths they name. The
argument lists are compared with what the installed ``wandb`` package's
own ``create_sweep_command_args`` builds, so a change in W&B shows here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

wandb_sweeps = pytest.importorskip("wandb.sdk.launch.sweeps.utils")

# A W&B-agent program that only reports what it was given (no W&B run: fast).
ECHO = """
import json, os, sys
seen = {
    "argv": sys.argv[1:],
    "program": sys.argv[0],
    "executable": sys.executable,
    "cwd": os.getcwd(),
    "env": {k: v for k, v in os.environ.items() if k.startswith("WANDB_")},
}
path = os.environ["WANDB_SWEEP_PARAM_PATH"]
seen["param_file"] = open(path).read()
json_file = next((a for a in sys.argv[1:] if a.endswith(".json") and os.path.isfile(a)), None)
if json_file:
    seen["json_file"] = json.load(open(json_file))
with open(os.path.join(os.environ["WANDB_DIR"], "seen.json"), "w") as out:
    json.dump(seen, out)
"""

# A program written for W&B: parameters from wandb.config, results with wandb.log.
TRAIN = """
import sys, time
import wandb

run = wandb.init(project="stand-in")
config = wandb.config
quality = 1.0 if config.optimizer["name"] == "adam" else 0.6
for epoch in range(config.epochs):
    wandb.log({"val/acc": quality * (epoch + 1) / config.epochs, "Train/losses/total": 1.0 / (epoch + 1)})
    if config.get("crash_at") == epoch:
        sys.exit(3)
wandb.summary["best val acc"] = quality
run.finish()
"""


def seen(pytester: pytest.Pytester, trial: str, sweep: str = "x") -> dict[str, Any]:
    folder = pytester.path / "reports" / sweep / "trials" / trial
    return json.loads((folder / "seen.json").read_text())


def records(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((pytester.path / "reports" / "report.json").read_text())
    return {test["nodeid"].partition("[")[2].rstrip("]"): test["metadata"] for test in data["tests"]}


def wandb_formats(args: dict[str, Any]) -> dict[str, list[str]]:
    """What W&B's agent builds for these parameters."""
    built: dict[str, list[str]] = wandb_sweeps.create_sweep_command_args(
        {"args": {name: {"value": value} for name, value in args.items()}}
    )
    return built


def test_a_program_alone_runs_wandbs_default_command(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(
        ".yaml",
        sweep_x="""
program: echo.py
method: grid
parameters:
  learning_rate:
    values: [1e-3]
  use_bn:
    values: [true, false]
  layers:
    value: [64, 32]
  optimizer:
    parameters:
      name: {value: adam}
      momentum: {value: 0.9}
  run_name:
    value: first try
""",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    got = seen(pytester, "use_bn=true")
    args = {
        "learning_rate": 0.001,
        "use_bn": True,
        "layers": [64, 32],
        "optimizer": {"name": "adam", "momentum": 0.9},
        "run_name": "first try",
    }
    assert got["argv"] == wandb_formats(args)["args"]
    assert got["argv"] == [
        "--learning_rate=0.001",
        "--use_bn=True",
        "--layers=[64, 32]",
        "--optimizer={'name': 'adam', 'momentum': 0.9}",
        "--run_name=first try",
    ]
    assert (got["program"], got["executable"], got["cwd"]) == ("echo.py", sys.executable, str(pytester.path))


def test_every_macro_expands_as_wandbs_agent_expands_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_ROOT", "/data/sets")
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(
        ".yaml",
        sweep_x="""
program: echo.py
parameters:
  lr: {values: [0.01]}
  batch-size: {value: 64}
  augment: {values: [true, false]}
command:
  - ${env}
  - ${interpreter}
  - ${program}
  - -b
  - configs/base.yaml
  - ${args_no_hyphens}
  - ${args_no_boolean_flags}
  - ${args_no_equals}
  - ${args_append_hydra}
  - ${args_override_hydra}
  - ${args_json}
  - --json-file
  - ${args_json_file}
  - --data=${envvar:DATA_ROOT}/train
""",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    for augment in (True, False):
        got = seen(pytester, f"augment={str(augment).lower()}")
        args = {"lr": 0.01, "batch-size": 64, "augment": augment}
        formats = wandb_formats(args)
        json_file = got["argv"][-2]
        assert got["argv"] == [
            "-b",
            "configs/base.yaml",
            *formats["args_no_hyphens"],
            *formats["args_no_boolean_flags"],
            *formats["args_no_equals"],
            *formats["args_append_hydra"],
            *formats["args_override_hydra"],
            *formats["args_json"],
            "--json-file",
            json_file,
            "--data=/data/sets/train",
        ]
        assert got["json_file"] == args
        assert Path(json_file).parent == Path(got["env"]["WANDB_SWEEP_PARAM_PATH"]).parent


def test_the_run_gets_wandbs_agent_environment_and_parameter_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(".yaml", sweep_x="program: echo.py\nparameters:\n  lr: {values: [0.1, 0.2]}\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    first, second = seen(pytester, "lr=0.1"), seen(pytester, "lr=0.2")
    env = first["env"]
    assert env["WANDB_MODE"] == "offline"
    assert env["WANDB_DIR"] == str(pytester.path / "reports" / "x" / "trials" / "lr=0.1")
    assert env["WANDB_SWEEP_ID"] == second["env"]["WANDB_SWEEP_ID"]
    assert env["WANDB_RUN_ID"] != second["env"]["WANDB_RUN_ID"]
    assert first["param_file"] == "wandb_version: 1\n\nlr:\n  value: 0.1\n"  # as W&B's agent writes it


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "[python, train.py, -b, '${batch-size}']",
            "${batch-size} is not a W&B macro: the macros are ${env}, *; for a parameter's value write {batch-size}",
        ),
        ("[python, train.py, '${arg}']", "${arg} is not a W&B macro (did you mean 'args'?)"),
        ("[python, train.py, '--cfg=${args_json_file}']", "W&B expands ${args_json_file} only as an argument"),
        ("python train.py $${args}", "W&B expands ${args} only as an argument of its own"),
    ],
)
def test_a_dollar_before_a_placeholder_is_never_passed_silently(
    pytester: pytest.Pytester, command: str, message: str
) -> None:
    pytester.makefile(".yaml", sweep_x=f"parameters:\n  batch-size: [32]\ncommand: {command}\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*sweep_x.yaml:3: command: *{message}*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_program_macro_needs_a_program(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", sweep_x="parameters:\n  a: [1]\ncommand: ['${interpreter}', '${program}']\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sweep_x.yaml:3: command: ${program} needs the key `program: <script>`*"])


def test_overlapping_keys_reach_the_program_as_wandb_passes_them(pytester: pytest.Pytester) -> None:
    """W&B's Hydra example sweeps `optimizer` and `optimizer.config.learning_rate` side by side."""
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(
        ".yaml",
        sweep_x="""
program: echo.py
parameters:
  optimizer:
    value: adam
  optimizer.config.learning_rate:
    values: [0.01, 0.001]
command: ['${env}', python, '${program}', '${args_no_hyphens}']
""",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    got = seen(pytester, "learning_rate=0.001")
    assert got["argv"] == ["optimizer=adam", "optimizer.config.learning_rate=0.001"]
    record = records(pytester)["learning_rate:0.001"]
    assert record["params"] == {"optimizer": "adam", "optimizer.config.learning_rate": 0.001}
    config = json.loads((pytester.path / "reports/x/trials/learning_rate=0.001/config.json").read_text())
    assert config == {"optimizer": "adam", "optimizer.config.learning_rate": 0.001}


def test_overlapping_keys_pass_over_a_plain_value_in_the_base_config(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(
        ".yaml",
        sweep_x="""
program: echo.py
config: {optimizer: sgd}
parameters:
  optimizer: {value: adam}
  optimizer.lr: {values: [0.01, 0.1]}
""",
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert seen(pytester, "lr=0.01")["argv"] == ["--optimizer=adam", "--optimizer.lr=0.01"]


def test_overlapping_keys_are_refused_for_an_experiment(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config):\n    return {}\n")
    pytester.makefile(
        ".yaml",
        sweep_x="""
experiment: models:train
parameters:
  optimizer: {value: adam}
  optimizer.config.learning_rate: {values: [0.01]}
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*sweep_x.yaml:4: parameters.optimizer.config.learning_rate: lies inside the parameter 'optimizer'*"]
    )


def test_a_program_named_from_the_project_root_runs_there(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(echo=ECHO)
    pytester.mkdir("sweeps")
    (pytester.path / "sweeps" / "sweep_x.yaml").write_text("program: echo.py\nparameters:\n  a: {values: [1, 2]}\n")
    pytester.runpytest("sweeps", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert seen(pytester, "a=1")["cwd"] == str(pytester.path)


def test_a_wandb_program_runs_unchanged_and_its_log_comes_back(pytester: pytest.Pytester) -> None:
    """The real ``wandb`` package, offline: wandb.config in, wandb.log and the summary out."""
    pytester.makepyfile(train=TRAIN)
    pytester.makefile(
        ".yaml",
        sweep_x="""
name: First Sweep
program: train.py
method: grid
metric:
  name: val/acc
  goal: maximize
parameters:
  optimizer:
    parameters:
      name:
        values: [adam, sgd]
  epochs:
    value: 3
  crash_at:
    values: [null, 1]
""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=2)
    got = records(pytester)
    adam = got["name:adam-crash_at:null"]
    assert adam["outcome"] == "passed"
    assert [point["step"] for point in adam["history"]] == [0, 1, 2]
    assert [point["val/acc"] for point in adam["history"]] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert adam["metrics"] == {
        "val/acc": pytest.approx(1.0),
        "Train/losses/total": pytest.approx(1 / 3),
        "best val acc": pytest.approx(1.0),
    }
    crashed = got["name:sgd-crash_at:1"]
    assert crashed["outcome"] == "crashed"
    assert [point["step"] for point in crashed["history"]] == [0, 1]  # what it logged before the crash is kept
    result.stdout.fnmatch_lines(["*First_Sweep: 4 trials: 2 passed, 2 crashed; best *name:adam* val/acc=1*"])


def test_a_program_may_log_names_the_plugin_uses_itself(pytester: pytest.Pytester) -> None:
    """``step`` is the program's own counter (the history's step is W&B's); ``self`` is a name like any other."""
    pytester.makepyfile(
        train="""
import wandb
run = wandb.init(project="stand-in")
for epoch in range(3):
    wandb.log({"step": 10 * epoch, "self": epoch / 2, "acc": epoch / 3})
run.finish()
"""
    )
    pytester.makefile(".yaml", sweep_x="program: train.py\nparameters:\n  a: {value: 1}\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    (record,) = records(pytester).values()
    assert record["history"] == [
        {"step": epoch, "self": epoch / 2, "acc": pytest.approx(epoch / 3)} for epoch in range(3)
    ]
    assert record["metrics"] == {"self": 1.0, "acc": pytest.approx(2 / 3)}


def test_media_and_tables_are_not_metrics(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        train="""
import numpy as np
import wandb
run = wandb.init(project="stand-in")
image = wandb.Image(np.zeros((4, 4, 3), dtype=np.uint8))
wandb.log({"acc": 0.9, "t": wandb.Table(columns=["a"], data=[[1]]), "img": image})
run.finish()
"""
    )
    pytester.makefile(".yaml", sweep_x="program: train.py\nparameters:\n  a: {value: 1}\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    (record,) = records(pytester).values()
    assert record["metrics"] == {"acc": 0.9}
    assert record["history"] == [{"step": 0, "acc": 0.9}]


# Logs a learning curve slowly, then leaves a mark that it ran to the end.
SLOW = """
import json, os, sys, time
quality, use_wandb = float(sys.argv[1].partition("=")[2]), "--wandb" in sys.argv
if use_wandb:
    import wandb
    wandb.init(project="stand-in")
for step in range(30):
    if use_wandb:
        wandb.log({"acc": quality * (step + 1) / 30})
    else:
        with open(os.environ["SWEEP_METRICS_FILE"], "a") as out:
            out.write(json.dumps({"step": step, "acc": quality * (step + 1) / 30}) + "\\n")
    time.sleep(0.1)
open(os.path.join(os.environ["SWEEP_TRIAL_DIR"], "finished"), "w").close()
"""


@pytest.mark.parametrize("report", ["metrics-file", "wandb"])
def test_a_pruned_command_trial_is_stopped_while_it_runs(pytester: pytest.Pytester, report: str) -> None:
    pytester.makepyfile(slow=SLOW)
    flags = "  - --wandb\n" if report == "wandb" else ""
    pytester.makefile(
        ".yaml",
        sweep_x=f"""
program: slow.py
metric: {{name: acc, goal: maximize}}
early_terminate: {{type: hyperband, min_iter: 2, eta: 3}}
parameters:
  quality: {{values: [1.0, 0.2]}}
command:
  - ${{interpreter}}
  - ${{program}}
  - ${{args}}
{flags}""",
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, skipped=1)
    got = records(pytester)
    full, pruned = got["quality:1"], got["quality:0.2"]
    assert (full["outcome"], len(full["history"])) == ("passed", 30)
    assert pruned["outcome"] == "pruned"
    assert 2 <= len(pruned["history"]) < 10  # judged at its 2nd value, stopped right after
    trials = pytester.path / "reports" / "x" / "trials"
    assert (trials / "quality=1" / "finished").exists()
    assert not (trials / "quality=0.2" / "finished").exists()


def test_wandbs_usual_file_name_runs_when_named_on_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(".yaml", sweep="program: echo.py\nparameters:\n  a: {values: [1, 2]}\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes()  # not a sweep_*.yaml: not collected
    result = pytester.runpytest("sweep.yaml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["sweep.yaml ..*"])


def test_an_unset_envvar_is_passed_as_wandb_does_with_a_warning(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWEEP_TEST_UNSET", raising=False)
    pytester.makepyfile(echo=ECHO)
    pytester.makefile(
        ".yaml",
        sweep_x="program: echo.py\nparameters:\n  a: {values: [1, 2]}\n"
        "command: ['${interpreter}', '${program}', '--root=${envvar:SWEEP_TEST_UNSET}']\n",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*SweepWarning: sweep_x.yaml: command: ${envvar:SWEEP_TEST_UNSET} is not set; W&B's agent passes*"]
    )
    assert seen(pytester, "a=1")["argv"] == ["--root=SWEEP_TEST_UNSET"]

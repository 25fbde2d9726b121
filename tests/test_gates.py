"""Gates over repeats (`gate:`, `regression:`): real sessions, serial and under xdist."""

from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from sweep_plugin.cli import main

# Each configuration's accuracy: a level per lr, a noise per seed shared by every run, a noise
# per run and seed, and `drop` (lr 0.1 only) from the config.
MODEL = """
SEED = [0.004, -0.006, 0.002, -0.001, 0.005, -0.003, 0.001, -0.002]
RUN = [0.0012, -0.0007, 0.0003, -0.0015, 0.0009, -0.0002, 0.0011, -0.0004, 0.0006, -0.001]
LEVEL = {0.1: 0.92, 0.3: 0.80}

def train(config, trial):
    if config.get("crash_seed") == config["seed"]:
        raise RuntimeError("diverged")
    noise = SEED[config["seed"]] + RUN[(3 * config["run"] + config["seed"] + int(config["lr"] * 10)) % 10]
    acc = LEVEL[config["lr"]] + noise - config["drop"] * (config["lr"] == 0.1)
    trial.log(step=0, acc=acc / 2)
    return {"acc": acc}
"""

SWEEP = """
experiment: model:train
config: {{drop: {drop}, crash_seed: {crash}, run: {run}}}
parameters:
  lr: [0.1, 0.3]
repeat: 4
metric: {{name: acc, goal: maximize}}
{rules}
"""

GATE = "gate:\n  - mean(acc) >= 0.85\n  - std(acc) <= 0.05\n"
REGRESSION = "regression: {tolerance: 0.005}\n"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(model=MODEL)
    monkeypatch.setenv("CI", "true")  # as in CI, pytest shows the FAILED lines whole
    return pytester


def write(project: pytest.Pytester, rules: str, drop: float = 0.0, crash: int | None = None, run: int = 1) -> None:
    text = SWEEP.format(drop=drop, crash="null" if crash is None else crash, rules=rules, run=run)
    project.makefile(".yaml", sweep_m=text)


def gates_csv(project: pytest.Pytester, folder: str = "reports") -> list[dict[str, str]]:
    with (project.path / folder / "gates.csv").open() as file:
        return list(csv.DictReader(file))


def report_tests(project: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((project.path / "reports" / "report.json").read_text())
    return {test["nodeid"]: test for test in data["tests"]}


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_gate_fails_its_configuration_like_a_failed_test(project: pytest.Pytester, processes: str) -> None:
    write(project, GATE)
    result = project.runpytest("-n", processes, "--junitxml=junit.xml", "-rA")
    result.assert_outcomes(passed=9, failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["FAILED sweep_m.yaml::m::gate?lr:0.3? - GateFailed: mean(acc) >= 0.85: mean(acc) = 0.7*"]
    )
    tests = report_tests(project)
    failed = tests["sweep_m.yaml::m::gate[lr:0.3]"]
    assert failed["outcome"] == "failed"
    assert failed["metadata"]["trials"] == [f"sweep_m.yaml::m[lr:0.3-seed:{seed}]" for seed in range(4)]
    assert tests["sweep_m.yaml::m::gate[lr:0.1]"]["outcome"] == "passed"
    cases = {case.get("name"): case for case in ET.parse(project.path / "junit.xml").getroot().iter("testcase")}
    assert cases["gate[lr:0.3]"].find("failure") is not None
    assert cases["gate[lr:0.1]"].find("failure") is None
    rows = gates_csv(project)
    assert [(r["configuration"], r["check"], r["passed"]) for r in rows] == [
        ("lr:0.1", "mean(acc) >= 0.85", "True"),
        ("lr:0.1", "std(acc) <= 0.05", "True"),
        ("lr:0.3", "mean(acc) >= 0.85", "False"),
        ("lr:0.3", "std(acc) <= 0.05", "True"),
    ]
    assert rows[0]["detail"].startswith("mean(acc) = 0.92")  # a passing gate shows how close it was
    page = (project.path / "reports" / "index.html").read_text()
    assert '<h2 id="gates">Gates</h2>' in page and "1 failed" in page
    assert (project.path / "reports" / "gates_m.png").read_bytes().startswith(b"\x89PNG")


def test_the_report_command_rebuilds_the_gates_from_report_json(project: pytest.Pytester) -> None:
    write(project, GATE)
    project.runpytest().assert_outcomes(passed=9, failed=1)
    main(["report", str(project.path / "reports" / "report.json"), "--out", str(project.path / "rebuilt")])
    assert gates_csv(project, "rebuilt") == gates_csv(project)
    summary = (project.path / "rebuilt" / "summary.csv").read_text()
    assert "gate[" not in summary  # gates are not trials


def test_a_repeat_that_did_not_finish_fails_the_gate_with_its_reason(project: pytest.Pytester) -> None:
    write(project, GATE, crash=2)
    result = project.runpytest()
    result.assert_outcomes(passed=6, failed=4)
    result.stdout.fnmatch_lines(
        ["FAILED *::gate?lr:0.1? - GateFailed: 1 of 4 repeats did not finish: seed:2 error: RuntimeError: diverged"]
    )


def test_a_gate_whose_repeats_were_not_all_selected_is_skipped(project: pytest.Pytester) -> None:
    write(project, GATE)
    result = project.runpytest("-k", "seed:0 or seed:1", "-rs")
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED * 2 of 4 repeats ran in this session*"])
    assert result.ret == 0


@pytest.mark.parametrize("processes", ["0", "2"])
def test_last_failed_reruns_the_repeats_of_a_failed_gate(project: pytest.Pytester, processes: str) -> None:
    write(project, GATE)
    project.runpytest("-n", processes).assert_outcomes(passed=9, failed=1)
    rerun = project.runpytest("--lf", "-v", "-n", processes)
    rerun.assert_outcomes(passed=4, failed=1)
    passed = r"m\[lr:0\.3-seed:3\]"
    rerun.stdout.re_match_lines([rf".*({passed}.*PASSED|PASSED.*{passed})", r".*gate\[lr:0\.3\] FAILED"])
    rerun.stdout.no_fnmatch_line("*lr:0.1-seed*PASSED*")  # not rerun: their gate passed
    rerun.stdout.fnmatch_lines(["m: 8 trials: 8 passed (4 run now, 4 from earlier sessions)*"])  # but reported


def baseline_run(project: pytest.Pytester) -> Path:
    """A first run's summary.csv, kept aside as the baseline."""
    write(project, REGRESSION, run=0)
    project.runpytest().assert_outcomes(passed=8, skipped=2)
    kept = project.path / "baseline.csv"
    shutil.copy(project.path / "reports" / "summary.csv", kept)
    return kept


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_regression_beyond_the_noise_fails_with_its_figures(project: pytest.Pytester, processes: str) -> None:
    baseline = baseline_run(project)
    write(project, REGRESSION, drop=0.02)
    result = project.runpytest("-n", processes, "--sweep-baseline", str(baseline))
    result.assert_outcomes(passed=9, failed=1)
    result.stdout.fnmatch_lines(
        ["*regression: acc worse by 0.019* than the baseline (loss 0.016* to 0.022* at 98%, tolerance 0.005, p = *"]
    )
    (row,) = [r for r in gates_csv(project) if r["configuration"] == "lr:0.1"]
    assert row["passed"] == "False"
    assert float(row["loss"]) == pytest.approx(0.02, abs=0.002)
    assert row["paired"] == "True"
    assert float(row["mean"]) == pytest.approx(0.92 + 0.0 - 0.02, abs=0.01)


def test_a_drop_within_the_tolerance_passes(project: pytest.Pytester) -> None:
    baseline = baseline_run(project)
    write(project, REGRESSION, drop=0.002)
    project.runpytest("--sweep-baseline", str(baseline)).assert_outcomes(passed=10)


def test_regression_without_a_baseline_is_a_reported_skip(project: pytest.Pytester) -> None:
    write(project, REGRESSION)
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=8, skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED * regression: not judged: no --sweep-baseline given*"])


def test_a_configuration_the_baseline_lacks_is_skipped_and_other_repeats_fail(project: pytest.Pytester) -> None:
    baseline = baseline_run(project)
    rows = list(csv.DictReader(baseline.open()))
    kept = [row for row in rows if "lr:0.3" not in row["trial"] and not row["trial"].endswith("seed:3")]
    with baseline.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    result = project.runpytest("--sweep-baseline", str(baseline), "-rfs")
    result.assert_outcomes(passed=8, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "FAILED *gate?lr:0.1? - GateFailed: regression: the baseline has 3 repeats of this configuration"
            " and this run 4*",
            "SKIPPED * the baseline has no repeats of this configuration*",
        ]
    )


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("gate: [mean(acc) > 0.5]\nrepeat: 1\n", "gate: judges a configuration over its repeats: add `repeat: N`*"),
        ("gate: [acc > 0.5]\n", "gate.0: acc has a value per repeat: take a statistic of it, such as mean(acc)*"),
        ("gate: [average(acc) > 0.5]\n", "gate.0: call of 'average' is not allowed * (allowed: mean, median, std,*"),
        ("gate: [mean(acc + 1) > 0.5]\n", "gate.0: mean() takes one metric over the repeats: mean(val_acc)*"),
        ("gate: ['baseline(\"acc\") > 0.5']\n", 'gate.0: baseline("acc") is for `expect`*'),
        ("regression: {tolerence: 0.1}\n", "regression: unknown key 'tolerence'*"),
        ("regression: {confidence: 2}\n", "regression.confidence: must be a number from 0.5 to below 1*"),
        ("regression: {metric: loss}\n", "regression.goal: needs `goal: maximize` or `goal: minimize` for 'loss'*"),
    ],
)
def test_bad_gates_are_collection_errors_naming_the_key(project: pytest.Pytester, rules: str, message: str) -> None:
    write(project, rules)
    if "repeat: 1" in rules:
        project.makefile(".yaml", sweep_m=(project.path / "sweep_m.yaml").read_text().replace("repeat: 4\n", ""))
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*sweep_m.yaml:*: {message}"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_gate_on_a_metric_nobody_reported_fails_with_a_hint(project: pytest.Pytester) -> None:
    write(project, "gate: [mean(acc_val) >= 0.5]\n")
    result = project.runpytest()
    result.assert_outcomes(passed=8, failed=2)
    result.stdout.fnmatch_lines(["FAILED *gate?lr:0.1? - GateFailed: mean(acc_val) >= 0.5: *acc_val* not defined*"])


ODD = """
import math

def train(config, trial):
    if config["seed"] == 1 and config["odd"] == "nan":
        return {"acc": math.nan}
    if config["seed"] == 1 and config["odd"] == "missing":
        return {"loss": 0.1}
    if config["seed"] == 3 and config["odd"] == "edit":
        open("sweep_o.yaml", "w").write("not: [a sweep")  # the file changes while the session runs
    return {"acc": 0.95 + config["seed"] / 1000}
"""


@pytest.mark.parametrize(
    ("odd", "gate", "message"),
    [
        ("nan", "min(acc) >= 0.9", "min(acc) >= 0.9: acc is nan for seed:1"),
        ("nan", "std(acc) <= 0.05", "std(acc) <= 0.05: acc is nan for seed:1"),
        ("missing", "mean(acc) >= 0.9", "mean(acc) >= 0.9: acc is missing for seed:1"),
    ],
)
def test_a_repeat_without_a_number_fails_the_gate(project: pytest.Pytester, odd: str, gate: str, message: str) -> None:
    pytester = project
    pytester.makepyfile(odd=ODD)
    pytester.makefile(
        ".yaml",
        sweep_o=f"experiment: odd:train\nconfig: {{odd: {odd}}}\nrepeat: 4\ngate: ['{gate}']\n",
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([f"FAILED sweep_o.yaml::o::gate?all? - GateFailed: {message}"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_sweep_file_changed_during_the_session_is_judged_as_collected(project: pytest.Pytester) -> None:
    pytester = project
    pytester.makepyfile(odd=ODD)
    pytester.makefile(
        ".yaml", sweep_o="experiment: odd:train\nconfig: {odd: edit}\nrepeat: 4\ngate: [mean(acc) >= 1]\n"
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["FAILED sweep_o.yaml::o::gate?all? - GateFailed: mean(acc) >= 1: mean(acc) = 0.95*"])


def test_configurations_with_long_ids_are_grouped_by_their_parameters(project: pytest.Pytester) -> None:
    long = ["x" * 70 + str(i) for i in range(2)]  # long values: the id's tail, seed included, is hashed
    extra = "".join(f"  {name}: {long}\n" for name in ("a", "b", "c", "d", "e"))
    text = SWEEP.format(drop=0.0, crash="null", run=1, rules=GATE)
    project.makefile(
        ".yaml",
        sweep_m=text.replace("  lr: [0.1, 0.3]\n", "  lr: [0.1, 0.3]\n" + extra) + "method: random\ntrials: 3\n",
    )
    assert "seed:" not in project.runpytest("--collect-only", "-q").stdout.str()
    outcomes = project.runpytest().parseoutcomes()
    assert "skipped" not in outcomes  # every configuration's 4 repeats found each other
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 3 * 4 + 3


def test_a_cut_off_baseline_row_is_an_error_naming_its_line(project: pytest.Pytester) -> None:
    """A copy that stopped mid-row is no baseline to judge by (issue 17: it was left out, and the gate passed)."""
    baseline = baseline_run(project)
    rows = len(baseline.read_text().splitlines())
    baseline.write_text(baseline.read_text() + "m\n")
    write(project, REGRESSION)
    result = project.runpytest("--sweep-baseline", str(baseline))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --sweep-baseline: {baseline} line {rows + 1} is cut short*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_a_skipped_gate_points_at_the_gate_key(project: pytest.Pytester) -> None:
    write(project, GATE)
    result = project.runpytest("-k", "seed:0", "-rs")
    line = next(
        n for n, text in enumerate((project.path / "sweep_m.yaml").read_text().splitlines(), 1) if text == "gate:"
    )
    result.stdout.fnmatch_lines([f"SKIPPED ?2? sweep_m.yaml:{line}: 1 of 4 repeats ran in this session*"])

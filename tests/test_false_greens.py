"""No false green: a trial that never reports its metric, a merged report with a failed gate, a baseline that
cannot be read, none of them passes (SPEC section 13)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sweep_plugin.cli import main

MODELS = """
import json, os
from pathlib import Path

def train(config, trial):
    with open("started.log", "a") as log:
        log.write(trial.id + "\\n")
    return {config["name"]: 0.9, "loss": 0.5}

def loud(config):
    if config["x"] == 2:
        raise RuntimeError("x" * 200_000)
    return {"acc": 0.9 + config["x"] / 100}
"""

SILENT_PROGRAM = """
import json, os, sys
with open("started.log", "a") as log:
    log.write("started\\n")
print("trained, but the metrics went to stdout only:", json.dumps({"acc": 0.9}))
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    return pytester


def started(project: pytest.Pytester) -> int:
    log = project.path / "started.log"
    return len(log.read_text().split()) if log.exists() else 0


def rows(path: Path, key: str) -> dict[str, dict[str, str]]:
    before = csv.field_size_limit(1 << 24)  # a trial's message may be long
    try:
        with path.open(newline="") as handle:
            return {row[key]: row for row in csv.DictReader(handle)}
    finally:
        csv.field_size_limit(before)


def summary(project: pytest.Pytester, folder: str = "reports") -> dict[str, dict[str, str]]:
    return rows(project.path / folder / "summary.csv", "trial")


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_trial_that_never_reports_the_declared_metric_fails_and_says_what_it_did_report(
    project: pytest.Pytester, processes: str
) -> None:
    project.makefile(
        ".yaml",
        sweep_m="experiment: models:train\nconfig: {name: accuracy}\nparameters: {x: [1, 2, 3, 4]}\n"
        "metric: {name: acc, goal: maximize}\n",
    )
    result = project.runpytest("-n", processes, "-p", "no:cacheprovider")
    first = 1 if processes == "0" else 2  # a first trial per process runs
    result.assert_outcomes(failed=first, errors=4 - first)
    missing = "metric 'acc' was not reported; the trial reported accuracy, loss (did you mean 'accuracy'?)"
    result.stdout.fnmatch_lines([f"*sweep_m.yaml:4: {missing}"])
    rows = summary(project)
    assert all(row["outcome"] in ("failed", "error") for row in rows.values()), rows
    assert started(project) == first, result.stdout.str()  # caught at the first trial: the rest is not run
    result.stdout.fnmatch_lines(["*not run: trial x:? did not report the metric 'acc' that sweep_m.yaml:4 declares*"])


def test_an_expect_that_reads_a_metric_nobody_reported_names_the_close_one(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml", sweep_e="experiment: models:train\nconfig: {name: acc}\nparameters: {x: [1, 2]}\nexpect: [los <= 2]\n"
    )
    result = project.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    missing = "metric 'los' was not reported; the trial reported acc, loss (did you mean 'loss'?)"
    result.stdout.fnmatch_lines([f"*sweep_e.yaml:4: los <= 2: {missing}"])
    assert started(project) == 1  # the second trial was not run for nothing


def test_a_command_that_exits_0_without_writing_metrics_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(train=SILENT_PROGRAM)
    pytester.makefile(
        ".yaml", sweep_c="command: python train.py\nparameters: {x: [1]}\nmetric: {name: acc, goal: maximize}\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*sweep_c.yaml:3: metric 'acc' was not reported; the trial reported no metrics*"])


def test_a_trial_that_reports_its_metrics_still_passes(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        sweep_ok="experiment: models:train\nconfig: {name: acc}\nparameters: {x: [1, 2]}\n"
        "metric: {name: acc, goal: maximize}\nexpect: [loss <= 2, acc > 0.5]\n",
    )
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


GATED = """
experiment: models:loud
parameters: {x: [1, 3]}
repeat: 3
metric: {name: acc, goal: maximize}
regression: {tolerance: 0.001}
"""


def test_the_merged_report_of_shards_fails_on_a_failed_gate(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(
        ".yaml", sweep_g="experiment: models:loud\nparameters: {x: [1, 3]}\nrepeat: 2\ngate: [mean(acc) >= 0.92]\n"
    )
    pytester.runpytest("-p", "no:cacheprovider")
    code = main(["report", str(pytester.path / "reports" / "report.json"), "--out", str(pytester.path / "merged")])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "gates: 2 judged: 1 passed, 1 failed" in out
    assert "FAILED sweep_g.yaml::g::gate[x:1] - mean(acc) >= 0.92: mean(acc) = 0.91" in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty: no header, no trials"),
        (b"sweep,trial,nodeid,outcome,metrics.acc\n", "holds no trials"),
        (
            b"sweep,trial,nodeid,outcome,metrics.acc\ng,x:1-seed:0,n,passed,0.9\ng,x:1-seed:1,n,pass",
            "line 3 is cut short",
        ),
        ("sweep,trial,metrics.acc\ng,x:1-seed:0,0.9\n".encode("utf-16"), "is not UTF-8 text"),
        (b"name,value\nlr,0.1\n", "is not a summary.csv (no sweep and trial columns)"),
    ],
)
def test_a_baseline_that_cannot_be_read_is_an_error_not_no_baseline(
    project: pytest.Pytester, content: bytes, problem: str
) -> None:
    project.makefile(".yaml", sweep_g=GATED)
    (project.path / "baseline.csv").write_bytes(content)
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-baseline", "baseline.csv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: --sweep-baseline: {project.path / 'baseline.csv'} {problem}*"])
    assert started(project) == 0 and "INTERNALERROR" not in result.stderr.str()


@pytest.mark.parametrize(
    ("held", "problem"),
    [
        ("other,x:1-seed:0", "the baseline holds no trial of sweep 'g' (it holds 'other')"),
        ("g,x:7-seed:0", "the baseline holds none of sweep 'g''s configurations: is it this sweep's?"),
    ],
    ids=["another-sweep", "other-configurations"],
)
def test_a_baseline_of_another_sweep_fails_the_regression_gate(
    project: pytest.Pytester, held: str, problem: str
) -> None:
    project.makefile(".yaml", sweep_g=GATED)
    (project.path / "baseline.csv").write_text(f"sweep,trial,nodeid,outcome,metrics.acc\n{held},n,passed,0.9\n")
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-baseline", "baseline.csv")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"regression: {problem}"])
    result.assert_outcomes(passed=6, failed=2)  # both gates


def test_a_summary_with_a_huge_message_reads_back_as_a_baseline(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_g=GATED.replace("x: [1, 3]", "x: [1, 2, 3]"))
    project.runpytest("-p", "no:cacheprovider", "--sweep-report-dir", "before")
    written = summary(project, "before")
    assert 10_000 < len(written["x:2-seed:0"]["message"]) < 10_100  # a report's texts are cut (issue 17)
    # A summary whose messages were not cut (an earlier release's, or one written by hand) reads back too.
    for row in written.values():
        row["message"] = row["message"].replace(" … [", "x" * 200_000 + " … [")
    with (project.path / "before" / "summary.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(next(iter(written.values()))))
        writer.writeheader()
        writer.writerows(written.values())
    assert len(summary(project, "before")["x:2-seed:0"]["message"]) > 100_000
    result = project.runpytest("-p", "no:cacheprovider", "--sweep-baseline", "before/summary.csv")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    gates = rows(project.path / "reports" / "gates.csv", "configuration")
    assert gates["x:1"]["outcome"] == "passed" and gates["x:3"]["outcome"] == "passed"
    assert json.loads((project.path / "reports" / "report.json").read_text())["exitcode"] == 1  # x:2 raised

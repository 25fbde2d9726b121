"""Every trial's record, whatever its ending, says what it ran; the hooks for plugins and conftests.

Sessions that kill workers or time out run as subprocesses.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

MODELS = """
import os, time
import pytest

def train(config, trial):
    kind = config["kind"]
    trial.log(step=0, acc=0.5)
    if kind == "error":
        raise RuntimeError("boom")
    if kind == "timeout":
        time.sleep(30)
    if kind == "crash":
        os._exit(3)
    if kind == "skip":
        pytest.skip("not today")
    return {"acc": 1.0 if kind == "pass" else 0.0}
"""

SWEEP = """
experiment: models:train
config: {lr: 0.1}
parameters:
  kind: [pass, fail, error, timeout, skip, crash]
metric: {name: acc, goal: maximize}
expect: [acc >= 0.5]
timeout: 2
"""

OUTCOMES = {
    "pass": "passed",
    "fail": "failed",
    "error": "error",
    "timeout": "timeout",
    "skip": "skipped",
    "crash": "crashed",
}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(models=MODELS)
    pytester.makefile(".yaml", sweep_k=SWEEP)
    return pytester


def summary_rows(pytester: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


def report_records(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    tests = json.loads((pytester.path / "reports" / "report.json").read_text())["tests"]
    return {test["metadata"]["trial"]: test["metadata"] for test in tests}


def assert_identity(record: dict[str, Any], kind: str) -> None:
    assert record["sweep"] == "k"
    assert record["trial"] == f"kind:{kind}"
    assert record["params"] == {"kind": kind}
    assert record["config"] == {"lr": 0.1, "kind": kind}
    assert re.fullmatch(r"[0-9a-f]{32}", record["hash"])


def test_every_ending_keeps_what_the_trial_ran(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    rows = summary_rows(project)
    assert {trial: row["outcome"] for trial, row in rows.items()} == {f"kind:{k}": o for k, o in OUTCOMES.items()}
    assert all(row["params.kind"] == trial.removeprefix("kind:") for trial, row in rows.items())
    records = report_records(project)
    for kind in OUTCOMES:
        assert_identity(records[f"kind:{kind}"], kind)
    assert records["kind:crash"]["message"].startswith("worker 'gw")  # xdist's own words


@pytest.mark.usefixtures("recording_conftest")
def test_resumed_records_keep_what_the_trial_ran(project: pytest.Pytester) -> None:
    project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "pass or fail")
    heard(project)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "pass or fail", "--sweep-resume")
    result.stdout.fnmatch_lines(["*sweep-resume: 2 finished trials reused, not run again*"])
    rows = summary_rows(project)
    assert {trial: row["resumed"] for trial, row in rows.items()} == {"kind:pass": "True", "kind:fail": "True"}
    stored = {record["trial"]: record for record in heard(project)}
    for kind in ("pass", "fail"):
        assert_identity(stored[f"kind:{kind}"], kind)


@pytest.fixture
def recording_conftest(project: pytest.Pytester) -> pytest.Pytester:
    project.makeconftest(
        """
        import json

        def pytest_sweep_record(record, config):
            with open("records.jsonl", "a") as out:
                out.write(json.dumps(record) + "\\n")
        """
    )
    return project


def heard(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    """The records the hook heard since the last call."""
    log = pytester.path / "records.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [json.loads(line) for line in lines]


@pytest.mark.usefixtures("recording_conftest")
@pytest.mark.parametrize("processes", ["0", "2"])
def test_the_record_hook_hears_every_trial_once(project: pytest.Pytester, processes: str) -> None:
    project.makefile(".yaml", sweep_k=SWEEP.replace("crash, ", "") if processes == "0" else SWEEP)
    project.runpytest_subprocess("-p", "no:cacheprovider", "-n", processes)
    records = heard(project)
    kinds = [kind for kind in OUTCOMES if processes == "2" or kind != "crash"]
    assert sorted(record["trial"] for record in records) == sorted(f"kind:{kind}" for kind in kinds)
    for record in records:
        kind = record["params"]["kind"]
        assert record["outcome"] == OUTCOMES[kind]
        assert_identity(record, kind)


def test_a_retried_trial_is_heard_once_with_its_last_attempt(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        models="""
        from pathlib import Path

        def train(config):
            flag = Path("tried")
            if not flag.exists():
                flag.touch()
                raise RuntimeError("first attempt fails")
            return {"acc": 1.0}
        """
    )
    pytester.makefile(".yaml", sweep_r="experiment: models:train\nparameters: {x: [1]}\nretries: 2\n")
    pytester.makeconftest(
        """
        heard = []

        def pytest_sweep_record(record, config):
            heard.append((record["outcome"], record["attempts"]))

        def pytest_terminal_summary(terminalreporter):
            terminalreporter.write_line(f"heard: {heard}")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["heard: [[]('passed', 2)[]]"])


SEARCH_CONFTEST = """
from pathlib import Path
from sweep_plugin.search import PlannedSearch, SearchMethod, Slot, TrialPlan

class Halving(PlannedSearch):
    '''Planned at collection: x = 1, 1/2, 1/4, 1/8.'''

    def points(self, accept):
        return [{"x": 2.0 ** -i} for i in range(4)], ("halving: 4 points",)

class Decided(SearchMethod):
    '''Parameters decided when each trial starts, and told how it ended.'''

    def plan(self):
        return TrialPlan([Slot(f"trial:{i}", None) for i in range(3)])

    def start(self, slot):
        return {"x": 10.0 * int(slot.id.partition(":")[2])}

    def finish(self, slot, record):
        with open("finished.log", "a") as log:
            log.write(f"{slot.id} {record['outcome']} {record['params']['x']}\\n")

def pytest_sweep_search_method(spec, config):
    return {"halving": Halving, "decided": Decided}.get(spec.method, lambda spec: None)(spec)
"""


@pytest.mark.parametrize("processes", ["0", "2"])
def test_a_plugin_can_provide_a_search_method(pytester: pytest.Pytester, processes: str) -> None:
    pytester.makeconftest(SEARCH_CONFTEST)
    pytester.makepyfile(models="def train(config):\n    return {'y': config['x'] * 2}\n")
    parameters = "parameters:\n  x: {distribution: uniform, min: 0, max: 100}\n"
    pytester.makefile(".yaml", sweep_h=f"experiment: models:train\nmethod: halving\n{parameters}")
    pytester.makefile(".yaml", sweep_d=f"experiment: models:train\nmethod: decided\n{parameters}expect: [y < 30]\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-n", processes, "-v")
    result.assert_outcomes(passed=6, failed=1)
    passed = "*PASSED*sweep_h.yaml::h[[]x:0.125[]]*" if processes == "2" else "*h[[]x:0.125[]] PASSED*"
    result.stdout.fnmatch_lines([passed])
    result.stdout.fnmatch_lines(["halving: 4 points"])
    records = report_records(pytester)
    assert records["trial:2"]["params"] == {"x": 20.0}
    assert records["trial:2"]["config"] == {"x": 20.0}
    assert records["trial:2"]["metrics"] == {"y": 40.0}
    assert records["trial:2"]["outcome"] == "failed"
    finished = sorted(Path(pytester.path / "finished.log").read_text().splitlines())
    assert finished == ["trial:0 passed 0.0", "trial:1 passed 10.0", "trial:2 failed 20.0"]


def test_an_unknown_method_names_the_ones_there_are(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def train(config):\n    return {'y': 1}\n")
    pytester.makefile(".yaml", sweep_u="experiment: models:train\nmethod: halvng\nparameters: {x: [1]}\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["sweep_u.yaml:2: method: unknown search method 'halvng': built in are grid, *"])

"""GPU slots and ``-n auto``: tested without a GPU, with a faked device list (and a faked nvidia-smi)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sweep_plugin.roles.devices import ENV, find_devices

SEEN = """
import json, os

def train(config, trial):
    seen = {"devices": os.environ.get("CUDA_VISIBLE_DEVICES"), "worker": os.environ.get("PYTEST_XDIST_WORKER")}
    (trial.dir / "seen.json").write_text(json.dumps(seen))
    return {"acc": 1.0}
"""

COMMAND = """
import json, os
seen = {"devices": os.environ.get("CUDA_VISIBLE_DEVICES"), "worker": os.environ.get("PYTEST_XDIST_WORKER")}
open(os.path.join(os.environ["SWEEP_TRIAL_DIR"], "seen.json"), "w").write(json.dumps(seen))
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv(ENV, raising=False)  # a serial run sets it here: put it back after the test
    pytester.makepyfile(seen=SEEN, seen_command=COMMAND)
    return pytester


def seen(project: pytest.Pytester, sweep: str) -> list[dict[str, str]]:
    folders = sorted((project.path / "reports" / sweep / "trials").iterdir())
    return [json.loads((folder / "seen.json").read_text()) for folder in folders]


@pytest.mark.parametrize("target", ["experiment: seen:train", "command: python seen_command.py"])
def test_each_worker_gets_its_own_devices_and_each_trial_its_share(project: pytest.Pytester, target: str) -> None:
    project.makefile(".yaml", sweep_g=f"{target}\nparameters:\n  x: [1, 2, 3, 4, 5, 6]\nresources: {{gpus: 1}}\n")
    project.runpytest("-n", "2", "--sweep-gpus", "0,1,2,3").assert_outcomes(passed=6)
    by_worker = {(s["worker"], s["devices"]) for s in seen(project, "g")}
    assert by_worker <= {("gw0", "0"), ("gw1", "2")}  # gw0 holds 0,1 and gw1 2,3; a trial takes the first
    assert {worker for worker, _ in by_worker} == {"gw0", "gw1"}


def test_a_sweep_without_gpus_sees_all_of_its_workers_devices(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1, 2, 3, 4]\n")
    project.makeini("[pytest]\nsweep_gpus = 4 5 6 7\n")
    project.runpytest("-n", "2").assert_outcomes(passed=4)
    assert {(s["worker"], s["devices"]) for s in seen(project, "g")} <= {("gw0", "4,5"), ("gw1", "6,7")}


def test_devices_come_from_nvidia_smi_when_none_are_listed(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = project.path / "bin" / "nvidia-smi"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\nprintf '0\\n1\\n'\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    assert find_devices(None) == ["0", "1"]
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1, 2]\ngpus_per_trial: 1\n")
    project.runpytest("-n", "2").assert_outcomes(passed=2)
    assert {s["devices"] for s in seen(project, "g")} <= {"0", "1"}


def test_a_trial_that_needs_a_gpu_is_skipped_where_there_is_none(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(project.path))  # no nvidia-smi
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1]\nresources: {gpus: 1}\n")
    result = project.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs 1 GPU and none was found (sweep_gpus, nvidia-smi)*"])


def test_a_worker_with_too_few_devices_fails_the_trial_clearly(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1, 2]\nresources: {gpus: 2}\n")
    result = project.runpytest("-n", "2", "--sweep-gpus", "0,1")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*a trial needs 2 GPUs and this worker has 1 (*): list more in sweep_gpus*"])


@pytest.mark.parametrize(
    ("resources", "workers"),
    [("{gpus: 1}", "1"), ("{memory_gb: 1000000}", "1"), ("{gpus: 1}", "2")],
    ids=["one-gpu", "no-memory", "cpus"],
)
def test_n_auto_counts_cpus_memory_and_gpus(project: pytest.Pytester, resources: str, workers: str) -> None:
    devices = "0" if workers == "1" else "0 1 2 3 4 5 6 7 8 9"
    project.makefile(
        ".yaml", sweep_g=f"experiment: seen:train\nparameters:\n  x: [1, 2, 3, 4]\nresources: {resources}\n"
    )
    result = project.runpytest("-n", "auto", "--sweep-gpus", devices)
    result.assert_outcomes(passed=4)
    expected = workers if workers == "1" else str(min(len(os.sched_getaffinity(0)), 10))
    result.stdout.fnmatch_lines([f"created: {expected}/{expected} worker*"])


def test_resources_in_a_sweep_file_are_checked_at_collection(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1]\nresources: {gpu: 1}\n")
    result = project.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*sweep_g.yaml:4: resources: unknown key 'gpu'*"])
    assert Path(project.path / "sweep_g.yaml").exists()


def test_a_run_narrowed_by_cuda_visible_devices_shares_those(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "3,5")
    assert find_devices(None) == ["3", "5"]
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1, 2]\n")
    project.runpytest("-n", "2").assert_outcomes(passed=2)
    assert {s["devices"] for s in seen(project, "g")} <= {"3", "5"}


def test_a_trials_devices_do_not_outlive_it(project: pytest.Pytester) -> None:
    project.makefile(".yaml", sweep_g="experiment: seen:train\nparameters:\n  x: [1]\nresources: {gpus: 1}\n")
    project.makepyfile(
        test_z="import os\n\ndef test_after():\n    assert os.environ.get('CUDA_VISIBLE_DEVICES') is None\n"
    )
    project.runpytest_subprocess("--sweep-gpus", "0,1", "-p", "no:randomly").assert_outcomes(passed=2)
    assert [s["devices"] for s in seen(project, "g")] == ["0"]


def test_an_empty_cuda_visible_devices_hides_every_gpu(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "")
    assert find_devices(None) == []

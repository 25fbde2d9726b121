"""MLflow tracking (`--sweep-mlflow`): real sessions logging to a real local MLflow store, read back."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

mlflow = pytest.importorskip("mlflow")

EXPERIMENT = """
def train(config, trial):
    for step in range(3):
        trial.log(step=step, acc=config["training"]["lr"] * (step + 1), **{"top@1": 0.5})
    (trial.dir / "model.txt").write_text("weights")
    if config["training"]["lr"] > 0.25:
        return {"acc": 0.1}
    return {"acc": 0.9, "loss": 0.25}
"""

SWEEP = """
experiment: model:train
parameters:
  training.lr: [0.1, 0.2, 0.3]
metric: {name: acc, goal: maximize}
expect: [acc >= 0.5]
"""


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local MLflow store with its tables made (MLflow's migrations take seconds): copied for each test.

    The test of the ini key starts from no store at all, as a new project does.
    """
    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    client = mlflow.tracking.MlflowClient(f"sqlite:///{path}")
    client.search_experiments()
    return path


@pytest.fixture
def project(pytester: pytest.Pytester, empty_store: Path) -> pytest.Pytester:
    pytester.makepyfile(model=EXPERIMENT)
    pytester.makefile(".yaml", sweep_t=SWEEP)
    shutil.copyfile(empty_store, pytester.path / "mlflow.db")
    return pytester


def runs(uri: str) -> Any:
    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=["sweep_plugin"])


@pytest.mark.parametrize("processes", ["0", "2"])
def test_each_trial_is_a_run_nested_in_its_sweeps_run(project: pytest.Pytester, processes: str) -> None:
    uri = f"sqlite:///{project.path / 'mlflow.db'}"
    project.runpytest("-n", processes, "--sweep-mlflow", uri).assert_outcomes(passed=2, failed=1)
    found = runs(uri)
    (parent,) = found[found["tags.sweep_plugin.parent"] == "true"].itertuples()
    children = found[found["tags.mlflow.parentRunId"] == parent.run_id].set_index("tags.mlflow.runName")
    assert sorted(children.index) == ["lr:0.1", "lr:0.2", "lr:0.3"]
    assert children.loc["lr:0.2", "params.training.lr"] == "0.2"  # dotted parameter names
    assert children.loc["lr:0.1", "metrics.loss"] == 0.25
    assert children.loc["lr:0.1", "metrics.top_1"] == 0.5  # a name MLflow refuses, made one it takes
    assert children.loc["lr:0.3", "tags.sweep_plugin.outcome"] == "failed"
    assert children.loc["lr:0.3", "tags.sweep_plugin.message"].startswith("sweep_t.yaml:5: acc >= 0.5: acc = 0.1")
    assert children.loc["lr:0.3", "status"] == "FAILED"
    assert parent.status == "FAILED"  # a trial failed
    client = mlflow.tracking.MlflowClient(uri)
    run_id = children.loc["lr:0.2", "run_id"]
    history = [(m.step, m.value) for m in client.get_metric_history(run_id, "acc")]
    assert history == [(0, pytest.approx(0.2)), (1, pytest.approx(0.4)), (2, pytest.approx(0.6)), (3, 0.9)]
    assert [a.path for a in client.list_artifacts(run_id)] == ["model.txt"]
    plots = [a.path for a in client.list_artifacts(parent.run_id, "report")]
    assert "report/curves_acc.png" in plots


def test_each_session_has_its_own_parent(project: pytest.Pytester) -> None:
    uri = f"sqlite:///{project.path / 'mlflow.db'}"
    for _ in range(2):
        project.runpytest("--sweep-mlflow", uri, "-k", "lr:0.1").assert_outcomes(passed=1)
    found = runs(uri)
    parents = set(found[found["tags.sweep_plugin.parent"] == "true"].run_id)
    assert len(parents) == 2
    assert set(found[found["tags.sweep_plugin.parent"] != "true"]["tags.mlflow.parentRunId"]) == parents


def test_the_ini_key_names_the_store(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsweep_mlflow = sqlite:///tracked.db\n")
    project.runpytest("-k", "lr:0.1").assert_outcomes(passed=1)
    assert len(runs(f"sqlite:///{project.path / 'tracked.db'}")) == 2


def test_an_unreachable_server_leaves_the_trials_alone_and_says_so_once(project: pytest.Pytester) -> None:
    result = project.runpytest("--sweep-mlflow", "http://127.0.0.1:9")
    result.assert_outcomes(passed=2, failed=1)
    assert result.stdout.str().count("MLflow tracking at http://127.0.0.1:9 stopped") == 1


class HungServer:
    """A TCP server that takes connections and never answers (a tracking server that hangs); counts them."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.socket.accept()[0])

    def close(self) -> None:
        for connection in [*self.held, self.socket]:
            connection.close()


def test_a_hung_server_is_given_up_once_per_session_without_a_lock(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: with a server that hangs, -n 2 workers waited on each other through a lock held during the
    call (67 s instead of 4 s), and every process waited on the server in turn. Now the workers ask at once,
    the first to give up says so for the session, and the controller does not ask at all."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    server = HungServer()
    try:
        result = project.runpytest("-n", "2", "--sweep-mlflow", f"http://127.0.0.1:{server.port}")
    finally:
        server.close()
    result.assert_outcomes(passed=2, failed=1)
    assert len(server.held) <= 2  # at most one call per worker; none from the controller after the session
    assert result.stdout.str().count(f"MLflow tracking at http://127.0.0.1:{server.port} stopped") == 1


def test_without_the_option_mlflow_is_not_imported(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
import sys
def pytest_unconfigure(config):
    open("imported.txt", "w").write(str("mlflow" in sys.modules))
"""
    )
    project.runpytest_subprocess().assert_outcomes(passed=2, failed=1)
    assert Path(project.path / "imported.txt").read_text() == "False"

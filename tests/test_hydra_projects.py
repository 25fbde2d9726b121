"""A Hydra project as written: a sweep file's ``hydra:`` pointer runs the app's task (issue 19, point 1).

The projects under ``tests/hydra_configs/`` hold real configs verbatim: Hydra's own Optuna sweeper example
(``sphere.py`` and its ``conf/config.yaml``) and lightning-hydra-template's ``hparams_search/mnist_optuna.yaml``
(see that folder's README).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

PROJECTS = Path(__file__).parent / "hydra_configs"


def summary(pytester: pytest.Pytester) -> dict[str, dict[str, str]]:
    with (pytester.path / "reports" / "summary.csv").open(newline="") as handle:
        return {row["trial"]: row for row in csv.DictReader(handle)}


@pytest.fixture
def sphere(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(PROJECTS / "hydra_sphere", pytester.path / "example")
    pytester.makefile(".yaml", sweep_sphere="hydra:\n  app: example/sphere.py\n")
    return pytester


def test_hydras_optuna_example_runs_as_written(sphere: pytest.Pytester) -> None:
    """Its GridSampler over range() and choice() is a grid: n_trials 20 of the 66 points; direction: minimize."""
    result = sphere.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=20)
    result.stdout.fnmatch_lines(["sphere: 20 trials: 20 passed; best x:0-y:0 objective=0"])
    rows = summary(sphere)
    assert all(float(row["metrics.objective"]) == float(row["params.x"]) ** 2 + float(row["params.y"]) ** 2
               for row in rows.values())  # fmt: skip


def test_a_tpe_sampler_is_a_bayes_sweep_on_the_plugins_study(sphere: pytest.Pytester) -> None:
    config = sphere.path / "example" / "conf" / "config.yaml"
    config.write_text(
        config.read_text().replace("sampler: grid", "sampler: tpe").replace("n_trials: 20", "n_trials: 6")
    )
    result = sphere.runpytest("-p", "no:cacheprovider", "--sweep-resume")
    result.assert_outcomes(passed=6)
    assert sorted(summary(sphere)) == [f"trial:{i}" for i in range(6)]
    assert (sphere.path / "reports" / "optuna.journal").exists()
    sphere.runpytest("-p", "no:cacheprovider", "--sweep-resume").assert_outcomes()  # all six reused, none run again


def test_under_xdist_each_worker_composes_for_its_trials(sphere: pytest.Pytester) -> None:
    sphere.makefile(".yaml", sweep_sphere="hydra:\n  app: example/sphere.py\ntrials: 4\n")  # the pointer's budget wins
    result = sphere.runpytest("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)
    assert {row["outcome"] for row in summary(sphere).values()} == {"passed"}


@pytest.fixture
def template(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(PROJECTS / "lightning_template", pytester.path, dirs_exist_ok=True)
    pytester.makefile(
        ".yaml",
        sweep_mnist="hydra:\n  app: src/train.py\n  overrides: [hparams_search=mnist_optuna]\nquick: 3\n"
        "expect: ['metric(\"val/acc_best\") > 0.5']\n",
    )
    return pytester


def test_lightning_templates_hparams_search_runs_unchanged(template: pytest.Pytester) -> None:
    """The template's search_space, n_trials 25, TPESampler seed 12345, direction maximize, optimized_metric."""
    result = template.runpytest("-p", "no:cacheprovider", "-m", "quick")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["mnist: 3 trials: 3 passed; best trial:* val/acc_best=*"])
    rows = summary(template)
    assert {row["params.datamodule.batch_size"] for row in rows.values()} <= {"32", "64", "128"}
    assert all(0.0001 <= float(row["params.model.lr"]) <= 0.2 for row in rows.values())
    folder = template.path / "reports" / "mnist" / "trials"
    assert sorted(path.name for path in folder.iterdir()) == ["trial=00", "trial=01", "trial=02"]
    assert (folder / "trial=00" / "task.txt").read_text().startswith("train lr=")  # HydraConfig's output_dir
    collected = template.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert "25 tests collected" in collected.stdout.str()


def test_a_pointer_that_does_not_compose_is_an_error_at_its_key(template: pytest.Pytester) -> None:
    template.makefile(".yaml", sweep_mnist="hydra:\n  app: src/train.py\n  overrides: [hparams_search=nope]\n")
    result = template.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["sweep_mnist.yaml:*: hydra: Hydra cannot compose the config: *hparams_search*nope*"])
    template.makefile(".yaml", sweep_mnist="hydra:\n  app: src/missing.py\n")
    template.runpytest("-p", "no:cacheprovider").stdout.fnmatch_lines(["*hydra.app: no app 'src/missing.py'*"])

"""A Hydra app (``@hydra.main``) as a command trial: parameters reach it as Hydra overrides."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("hydra")

APP = """
import json, os
import hydra
from omegaconf import DictConfig

@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    acc = 1.0 - cfg.lr if cfg.optimizer == "adam" else 0.5
    with open(os.environ["SWEEP_METRICS_FILE"], "a") as out:
        out.write(json.dumps({"acc": acc, "layers": cfg.model.layers}) + "\\n")
    return acc

if __name__ == "__main__":
    main()
"""

CONFIG = "lr: 0.1\noptimizer: sgd\nmodel:\n  layers: 2\n"


@pytest.fixture
def app(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(app=APP)
    pytester.mkdir("conf")
    (pytester.path / "conf" / "config.yaml").write_text(CONFIG)
    return pytester


def metrics(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    data = json.loads((pytester.path / "reports" / "report.json").read_text())
    return {test["nodeid"].partition("[")[2].rstrip("]"): test["metadata"]["metrics"] for test in data["tests"]}


@pytest.mark.parametrize(
    "command",
    [
        # W&B's way: the overrides from its macro; an OmegaConf interpolation written with doubled braces.
        "['${env}', '${interpreter}', '${program}', '${args_no_hyphens}', 'hydra.run.dir=${{oc.env:SWEEP_TRIAL_DIR}}']",
        # Ours: placeholders in Hydra's key=value form.
        "python app.py lr={lr} optimizer={optimizer} model.layers={model.layers}"
        " hydra.run.dir=${{oc.env:SWEEP_TRIAL_DIR}}",
    ],
    ids=["wandb-macro", "placeholders"],
)
def test_a_hydra_app_gets_its_overrides(app: pytest.Pytester, command: str) -> None:
    app.makefile(
        ".yaml",
        sweep_h=f"""
program: app.py
parameters:
  lr: {{values: [0.01, 0.1]}}
  optimizer: {{value: adam}}
  model.layers: {{value: 4}}
command: {command}
expect:
  - acc > 0.85
""",
    )
    app.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert metrics(app) == {"lr:0.01": {"acc": 0.99, "layers": 4.0}, "lr:0.1": {"acc": 0.9, "layers": 4.0}}

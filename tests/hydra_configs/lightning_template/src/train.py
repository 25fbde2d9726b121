"""A small stand-in for lightning-hydra-template's src/train.py: the same decorator and return value
(the optimized metric's value), with a formula where the template trains a model."""

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="../configs", config_name="train.yaml")
def main(cfg: DictConfig) -> float:
    output_dir = Path(HydraConfig.get().runtime.output_dir)  # as the template's callbacks and loggers read it
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "task.txt").write_text(f"{cfg.task_name} lr={cfg.model.lr}\n")
    size = cfg.model.net.lin1_size + cfg.model.net.lin2_size + cfg.model.net.lin3_size
    acc = 0.99 - abs(cfg.model.lr - 0.02) - cfg.datamodule.batch_size / 10000 - abs(size - 512) / 100000
    return acc


if __name__ == "__main__":
    main()

"""A training script written for W&B's agent, as W&B users write them.

It reads its parameters from ``wandb.config`` and reports with ``wandb.log`` under
W&B-style names (``train/loss``, ``val/acc``). ``sweep_wandb.yaml`` runs it unchanged:
the plugin hands it the parameters the way W&B's agent does and reads the run back.
"""

import wandb
from models import train_mlp


class WandbCurve:
    """Sends each point of the learning curve to W&B, split by data set."""

    def log(self, step: int, loss: float, val_loss: float, val_acc: float) -> None:
        wandb.log({"train/loss": loss, "val/loss": val_loss, "val/acc": val_acc}, step=step)


def main() -> None:
    run = wandb.init(config={"lr": 0.1, "hidden": 32, "epochs": 60})
    cfg = run.config
    config = {
        "data": {"name": "moons", "n": 400, "noise": 0.2},
        "model": {"hidden": cfg.hidden, "layers": 2},
        "training": {"lr": cfg.lr, "epochs": cfg.epochs},
    }
    result = train_mlp(config, WandbCurve())
    run.summary["train/acc"] = result["train_acc"]
    run.finish()


if __name__ == "__main__":
    main()

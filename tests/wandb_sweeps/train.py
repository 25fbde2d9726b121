"""Stand-in for a training script written for W&B's agent.

Parameters come from ``wandb.config`` (W&B's agent hands them over in the file
named by ``WANDB_SWEEP_PARAM_PATH``); results go out with ``wandb.log`` under
the names W&B users write. The "model" is a formula, so a run takes no time
beyond W&B's start-up, and the metric depends on the parameters.
"""

import math

import wandb

run = wandb.init(project="stand-in")
config = wandb.config
lr = float(config.get("learning_rate", config.get("lr", 0.01)))
optimizer = config.get("optimizer", "adam")
name = optimizer["name"] if isinstance(optimizer, dict) else optimizer
quality = 0.95 - 0.1 * abs(math.log10(lr) + 2) - (0.05 if name == "sgd" else 0.0)
epochs = int(config.get("epochs", 5))
for epoch in range(epochs):
    progress = (epoch + 1) / epochs
    wandb.log(
        {
            "epoch": epoch,
            "val/acc": quality * progress,
            "val/loss": 1.0 - quality * progress,
            "Train/losses/total": 1.0 / (epoch + 1),
        }
    )
wandb.summary["val mAP"] = quality / 2
run.finish()

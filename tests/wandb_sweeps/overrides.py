"""Stand-in for a Hydra-style app: ``key=value`` overrides in, a metrics file out.

W&B's own Hydra example sweeps ``optimizer`` (a config group) and
``optimizer.config.learning_rate`` (a key inside it) and passes both with
``${args_no_hyphens}``; this program keeps the overrides as given and reports
through the plugin's metrics file instead of W&B.
"""

import ast
import json
import os
import sys


def parse(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


config = {}
for override in sys.argv[1:]:
    key, _, text = override.partition("=")
    config[key] = parse(text)

with open(os.path.join(os.environ["SWEEP_TRIAL_DIR"], "overrides.json"), "w") as out:
    json.dump(config, out)
lr = config["optimizer.config.learning_rate"]
with open(os.environ["SWEEP_METRICS_FILE"], "w") as out:
    for step in range(3):
        out.write(json.dumps({"step": step, "val/f1": (step + 1) / 3 * (1 - lr)}) + "\n")

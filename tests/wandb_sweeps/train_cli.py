"""Stand-in for a W&B program that takes its parameters on the command line.

Written the way W&B's examples do it: argparse, then ``wandb.init(config=args)``.
It also saves the arguments it got, so a test can see what the agent passed.
"""

import argparse
import json
import os
import sys

import wandb

parser = argparse.ArgumentParser()
parser.add_argument("-b", "--base-config", default="none")
parser.add_argument("--learning_rate", type=float, default=0.01)
parser.add_argument("--batch_size", type=int, default=32)
parser.add_argument("--dropout", type=float, default=0.0)
parser.add_argument("--use_bn", action="store_true")
parser.add_argument("--params_json", default=None)
parser.add_argument("--params_file", default=None)
args = parser.parse_args()
if args.params_file:
    with open(args.params_file) as given:
        args.learning_rate = json.load(given)["learning_rate"]
if args.params_json:
    args.learning_rate = json.loads(args.params_json)["learning_rate"]

run = wandb.init(project="stand-in", config=vars(args))
with open(os.path.join(os.environ["WANDB_DIR"], "argv.json"), "w") as out:
    json.dump(sys.argv[1:], out)
score = 0.9 - abs(args.learning_rate - 0.01) - args.dropout / 10 + (0.02 if args.use_bn else 0.0)
for step in range(4):
    wandb.log({"val_loss": 1.0 - score * (step + 1) / 4, "batch_size": args.batch_size})
run.finish()

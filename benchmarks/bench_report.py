"""Benchmark of the sweep report on a large synthetic sweep.

    python benchmarks/bench_report.py [--trials 10000] [--steps 20] [--keep DIR]

Generates a pytest-json-report file of N trials with S-step histories, then
times, each in a fresh Python process (so imports of pandas and matplotlib
are counted, as they would be at the end of a pytest session):

(a) in-session: ``write_report(records, out)`` with the records already in
    memory (as the plugin has them at session end);
(b) CLI: ``python -m sweep_plugin report report.json --out DIR``, the whole
    process, from interpreter start to exit.

It prints both times, the ratio CLI / in-session (target <= 1.2) and the
peak resident memory of each process (target < 1 GB). Target for (a) and
(b): under 10 s for 10,000 trials x 20 steps on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SWEEP_FILE = "experiments/sweep_bench.yaml"
METRIC = {"name": "val_acc", "goal": "maximize"}
SCALES = {
    "training.lr": "log",
    "model.hidden": "linear",
    "model.act": "categorical",
    "model.dropout": "linear",
    "seed": "linear",
}


def synthetic_report(trials: int, steps: int, seed: int = 0) -> dict[str, Any]:
    """A json report of a grid lr x hidden x act x seed (plus random dropout)."""
    rng = random.Random(seed)
    lrs = [10 ** (-4 + 3 * i / 9) for i in range(10)]
    hidden, acts = [16, 32, 64, 128, 256], ["relu", "tanh", "gelu", "silu"]
    grid = [(lr, h, a) for lr in lrs for h in hidden for a in acts]
    tests = [_test(rng, i, *grid[i % len(grid)], i // len(grid), steps) for i in range(trials)]
    return {"created": time.time(), "duration": 1.0, "exitcode": 1, "root": "/bench", "summary": {}, "tests": tests}


def _test(rng: random.Random, i: int, lr: float, hidden: int, act: str, seed: int, steps: int) -> dict[str, Any]:
    params = {
        "training.lr": round(lr, 8),
        "model.hidden": hidden,
        "model.act": act,
        "model.dropout": round(rng.uniform(0, 0.5), 4),
        "seed": seed,
    }
    trial = f"lr:{params['training.lr']}-hidden:{hidden}-act:{act}-seed:{seed}"
    nodeid = f"{SWEEP_FILE}::bench[{trial}]"
    stages = {w: {"duration": 0.01, "outcome": "passed"} for w in ("setup", "call", "teardown")}
    test: dict[str, Any] = {
        "nodeid": nodeid,
        "lineno": 0,
        "outcome": "passed",
        "keywords": [trial, "bench", "full"],
        **stages,
    }
    roll = rng.random()
    if roll < 0.005:  # worker died: no metadata
        test.update(
            outcome="failed",
            **{
                "???": {
                    "duration": 0,
                    "outcome": "failed",
                    "longrepr": f"worker 'gw1' crashed while running '{nodeid}'",
                }
            },
        )
        return test
    if roll < 0.01:  # thread-method timeout: no metadata either
        test["call"] = {
            "duration": 30.0,
            "outcome": "failed",
            "longrepr": "Failed: Timeout (>30.0s) from pytest-timeout.",
        }
        test["outcome"] = "failed"
        return test
    quality = math.exp(-((math.log10(lr) + 2) ** 2)) * (0.7 + 0.06 * math.log2(hidden / 16)) + 0.05 * acts_bonus(act)
    history, acc, loss = [], 0.5, 1.0
    for step in range(steps):
        acc = 0.5 + (quality - 0.0) * (1 - math.exp(-(step + 1) / 5)) * 0.5 + rng.gauss(0, 0.01)
        loss = max(0.01, 1.0 - acc + rng.gauss(0, 0.02))
        history.append(
            {"step": step, "loss": round(loss, 5), "val_acc": round(acc, 5), "val_loss": round(loss * 1.1, 5)}
        )
    outcome, message, metrics = "passed", "", {"val_acc": round(acc, 5), "val_loss": round(loss * 1.1, 5)}
    if roll < 0.03:
        outcome, metrics, history = "error", {}, history[: steps // 2]
        message = (
            'Traceback (most recent call last):\n  File "train.py", line 12, in train\nFloatingPointError: loss is nan'
        )
    elif acc < 0.6:
        outcome, message = "failed", f"val_acc >= 0.6: val_acc = {acc:.4f}"
    test["outcome"] = {"passed": "passed", "failed": "failed", "error": "failed"}[outcome]
    config = {
        "training": {"lr": params["training.lr"], "epochs": steps},
        "model": {"hidden": hidden, "act": act, "dropout": params["model.dropout"]},
        "seed": seed,
    }
    test["metadata"] = {
        "sweep": "bench", "file": SWEEP_FILE, "trial": trial, "nodeid": nodeid, "outcome": outcome,
        "duration_s": round(rng.uniform(0.5, 2.0), 3), "worker": f"gw{i % 2}", "params": params, "metrics": metrics,
        "history": history, "message": message, "config": config, "metric": METRIC, "scales": SCALES,
    }  # fmt: skip
    return test


def acts_bonus(act: str) -> float:
    return {"relu": 0.5, "tanh": 0.0, "gelu": 1.0, "silu": 0.8}[act]


def in_session(report_path: str, out: str) -> None:
    """Phase (a), run in a child process: time write_report on records in memory."""
    sys.path.insert(0, str(ROOT))
    from sweep_plugin.report import load_reports, write_report

    records = load_reports([report_path])
    start = time.perf_counter()
    write_report(records, out)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "trials": len(records)}))


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Run ``cmd``; (wall seconds, its own peak RSS in MB, stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.read()}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--keep", metavar="DIR", help="write the report.json and both reports here and keep them")
    parser.add_argument("--phase", choices=["in-session"], help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "in-session":
        return in_session(args.report, args.out)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        report = work / "report.json"
        start = time.perf_counter()
        report.write_text(json.dumps(synthetic_report(args.trials, args.steps)))
        size = report.stat().st_size / 1e6
        took = time.perf_counter() - start
        print(f"generated {report} ({size:.1f} MB, {args.trials} trials x {args.steps} steps) in {took:.1f} s")
        me = [sys.executable, str(Path(__file__).resolve())]
        _, peak_a, out = _run(
            [*me, "--phase", "in-session", "--report", str(report), "--out", str(work / "in_session")]
        )
        seconds_a = json.loads(out)["seconds"]
        seconds_b, peak_b, out = _run(
            [sys.executable, "-m", "sweep_plugin", "report", str(report), "--out", str(work / "cli")]
        )
        print(out.strip())
        print(f"(a) in-session write_report: {seconds_a:6.2f} s   peak RSS of that process {peak_a:6.0f} MB")
        print(f"(b) CLI rebuild (whole process): {seconds_b:6.2f} s   peak RSS of that process {peak_b:6.0f} MB")
        print(f"ratio CLI / in-session: {seconds_b / seconds_a:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()

"""How often the report's parameter importance ranks, and ranks right, on synthetic sweeps.

    python benchmarks/bench_importance.py [--repeats 50]

Each case is a sweep whose truth is known: ``x`` drives the metric (plus
Gaussian noise), ``z`` and ``w`` do nothing; or nothing does ("pure noise").
For each, ``--repeats`` sweeps with different random draws are analysed by

- the report's estimator (`sweep_plugin.report.importance`): how often it
  ranks at all, how often ``x`` is first when it ranks, how often an idle
  parameter stands out (a false finding), and the time per sweep;
- the estimator the report used before, one-way ANOVA grouping trials by
  each value (epsilon squared, or eta squared when every value ran once), for
  the share it gave the idle ``z``.

The figures are printed as a markdown table, for docs/reports.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sweep_plugin.records import Goal
from sweep_plugin.report.importance import importance


@dataclass(frozen=True)
class Case:
    name: str
    trials: int
    signal: float  # the metric is signal * x + noise
    noise: float
    grid: bool = False  # x, z, w on a 3 x 3 x 3 grid with repeats, else drawn from [0, 1]


CASES = [
    Case("random, the issue's case", 8, 1.0, 0.05),
    Case("random", 30, 1.0, 0.05),
    Case("random, noisy", 40, 1.0, 0.3),
    Case("random, noisy", 100, 1.0, 0.3),
    Case("random, pure noise", 30, 0.0, 1.0),
    Case("random, pure noise", 100, 0.0, 1.0),
    Case("grid 3x3x3, 2 repeats, noisy", 54, 1.0, 0.3, grid=True),
    Case("grid 3x3x3, 2 repeats, pure noise", 54, 0.0, 1.0, grid=True),
]


def sweep(case: Case, seed: int) -> tuple[pd.Series, dict[str, pd.Series]]:
    rng = np.random.default_rng(seed)
    if case.grid:
        levels = [0.0, 0.5, 1.0]
        rows = [(x, z, w) for x in levels for z in levels for w in levels] * (case.trials // 27)
        frame = pd.DataFrame(rows, columns=["x", "z", "w"])
    else:
        frame = pd.DataFrame(rng.uniform(0, 1, (case.trials, 3)), columns=["x", "z", "w"])
    y = case.signal * frame["x"] + case.noise * rng.normal(size=len(frame))
    return y, {name: frame[name] for name in frame}


def old_share_of_z(y: pd.Series, columns: dict[str, pd.Series]) -> float:
    """The share the previous estimator gave ``z``: ANOVA with one group per distinct value."""
    scores = {}
    for name, values in columns.items():
        groups = pd.DataFrame({"k": values, "y": y}).groupby("k")["y"].agg(["count", "mean"])
        n, k = len(y), len(groups)
        total = float(((y - y.mean()) ** 2).sum())
        between = float((groups["count"] * (groups["mean"] - y.mean()) ** 2).sum())
        if n <= k:
            scores[name] = between / total
        else:
            within = (total - between) / (n - k)
            scores[name] = max(0.0, (between - (k - 1) * within) / total)
    total_score = sum(scores.values())
    return scores["z"] / total_score if total_score > 0 else 0.0


def run(case: Case, repeats: int) -> dict[str, str]:
    ranked = x_first = idle = 0
    old_z, seconds = [], []
    for seed in range(repeats):
        y, columns = sweep(case, seed)
        start = time.perf_counter()
        found = importance(y, columns, {}, Goal.MAXIMIZE)
        seconds.append(time.perf_counter() - start)
        ranked += found.ranked
        x_first += found.ranked and max(found.shares, key=found.shares.__getitem__) == "x"
        idle += found.stands_out("z") or found.stands_out("w")
        old_z.append(old_share_of_z(y, columns))
    share = f"{100 * statistics.mean(old_z):.0f}%"
    return {
        "case": f"{case.name}, {case.trials} trials",
        "estimator": found.method,
        "ranked": f"{100 * ranked / repeats:.0f}%",
        "x first when ranked": f"{100 * x_first / ranked:.0f}%" if case.signal and ranked else "-",
        "an idle parameter stands out": f"{100 * idle / repeats:.0f}%",
        "idle z's share before": share,
        "ms per sweep": f"{1000 * statistics.median(seconds):.0f}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="sweeps per case (default 50)")
    args = parser.parse_args()
    rows = [run(case, args.repeats) for case in CASES]
    head = list(rows[0])
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row[key] for key in head) + " |")
    print(f"\n{args.repeats} sweeps per case; python benchmarks/bench_importance.py --repeats {args.repeats}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmarks of adaptive search (``method: bayes``) against Optuna's own loop, in the same run.

1. quality   -- Branin (minimum 0.397887), 60 trials, ``-n 2``, over ``--seeds`` seeds (default
                20; with 10 the median moves by 2x from run to run, as the workers' seeds
                come from the session): the median regret (best value - minimum) of the plugin's sweep vs Optuna's own
                sequential TPE loop with the same budget, sampler options and seeds; random search
                beside both.                                   target: <= 1.5x Optuna's regret
                Then 100 trials with ``-n 2`` and with ``-n 4``: exact duplicate parameter sets.
                                                               target: 0
2. overhead  -- trivial trials in one process and with ``-n 2``: the session's cost per trial
                (the slope of its time from 100 to 300 trials, so that imports and collection
                cancel) minus a parametrized test's (pytest's own per-item cost, measured too),
                against a plain Optuna ask/tell loop with the same sampler and a journal file.
                                                               target: <= 1.3x
3. storage   -- the same 200 trials with the default journal file, an SQLite RDB URL and, with
                ``--postgres URL``, a PostgreSQL server: time per trial, and lost or duplicated trials.
                                                               target: none lost or duplicated

Usage::

    python benchmarks/bench_bayes.py                 # 20 seeds, 3 repeats
    python benchmarks/bench_bayes.py --quick         # 3 seeds, 1 repeat
    python benchmarks/bench_bayes.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import Row, child_env, conclude, finish, log, parse_options, start, write_file

BRANIN_MIN = 0.397887
TRIVIAL = 200

MODELS = """
import math

def branin(config):
    x, y = config["x"], config["y"]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return {"value": (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10}

def trivial(config):
    return {"value": config["x"]}
"""

SWEEP = """
experiment: models:{experiment}
method: bayes
trials: {trials}
seed: {seed}
metric: {{name: value, goal: minimize}}
parameters:
  x: {{distribution: uniform, min: -5, max: 10}}
  y: {{distribution: uniform, min: 0, max: 15}}
"""

# Optuna's own loops, in a fresh process each (imports counted, as in a pytest session).
OPTUNA_LOOP = """
import json, math, sys, time
start = time.perf_counter()
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
kind, trials, seed, journal = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def branin(x, y):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10

if kind == "random":
    sampler = optuna.samplers.RandomSampler(seed=seed)
else:
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
storage = None
if journal != "-":
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    storage = JournalStorage(JournalFileBackend(journal))
study = optuna.create_study(sampler=sampler, storage=storage)
for _ in range(trials):
    trial = study.ask()
    x = trial.suggest_float("x", -5, 10)
    y = trial.suggest_float("y", 0, 15)
    study.tell(trial, branin(x, y) if kind != "trivial" else x)
print(json.dumps({"best": study.best_value, "seconds": time.perf_counter() - start}))
"""

DROP_STUDIES = """
import optuna, sys
for summary in optuna.get_all_study_summaries(sys.argv[1], False):
    optuna.delete_study(study_name=summary.study_name, storage=sys.argv[1])
"""

PARAMETRIZED = """
import pytest

@pytest.mark.parametrize("x", range({n}))
def test_trivial(x):
    assert x >= 0
"""


def run(args: list[str], cwd: Path) -> tuple[float, str]:
    """Wall time and output of a command (an error if it fails)."""
    began = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=child_env(), capture_output=True, text=True)
    took = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{(proc.stdout + proc.stderr)[-1500:]}")
    return took, proc.stdout


def study_trials(journal_or_url: str) -> list[dict[str, object]]:
    """The trials of the one study in a storage: state, value, params."""
    script = textwrap.dedent(
        """
        import json, sys, optuna
        location = sys.argv[1]
        if "://" not in location:
            from optuna.storages.journal import JournalFileBackend, JournalStorage
            location = JournalStorage(JournalFileBackend(location))
        (name,) = [s.study_name for s in optuna.get_all_study_summaries(location, False)]
        study = optuna.load_study(study_name=name, storage=location)
        print(json.dumps([{"state": t.state.name, "value": t.value, "params": t.params,
                           "slot": t.user_attrs.get("sweep", {}).get("slot")} for t in study.trials]))
        """
    )
    out = subprocess.run([sys.executable, "-c", script, journal_or_url], capture_output=True, text=True, check=True)
    trials: list[dict[str, object]] = json.loads(out.stdout)
    return trials


def sweep_project(root: Path, name: str, experiment: str, trials: int, seed: int) -> Path:
    project = root / name
    write_file(project / "models.py", MODELS)
    write_file(project / "sweep_b.yaml", SWEEP.format(experiment=experiment, trials=trials, seed=seed))
    return project


def plugin_run(project: Path, *args: str) -> float:
    took, _ = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--sweep-no-report", *args], project)
    return took


def optuna_loop(project: Path, kind: str, trials: int, seed: int, journal: str = "-") -> dict[str, float]:
    _, out = run([sys.executable, "-c", OPTUNA_LOOP, kind, str(trials), str(seed), journal], project)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def best_of(trials: list[dict[str, object]]) -> float:
    return min(float(t["value"]) for t in trials if t["state"] == "COMPLETE")  # type: ignore[arg-type]


def quality(root: Path, seeds: int) -> list[Row]:
    log(f"\n[1] quality: Branin, 60 trials, -n 2, {seeds} seeds")
    plugin, sequential, random_search = [], [], []
    for seed in range(seeds):
        project = sweep_project(root, f"quality_{seed}", "branin", 60, seed)
        plugin_run(project, "-n", "2")
        plugin.append(best_of(study_trials(str(project / "reports" / "optuna.journal"))) - BRANIN_MIN)
        sequential.append(optuna_loop(project, "tpe", 60, seed)["best"] - BRANIN_MIN)
        random_search.append(optuna_loop(project, "random", 60, seed)["best"] - BRANIN_MIN)
        regrets = f"plugin {plugin[-1]:.4f}, Optuna TPE {sequential[-1]:.4f}, random {random_search[-1]:.4f}"
        log(f"  seed {seed}: regret {regrets}")
    ratio = statistics.median(plugin) / statistics.median(sequential)
    rows = [
        Row("quality: Optuna's sequential TPE, median regret", None, f"{statistics.median(sequential):.4f}", "", ""),
        Row(
            "quality: plugin, -n 2, median regret",
            None,
            f"{statistics.median(plugin):.4f} ({ratio:.2f}x)",
            "<= 1.5x",
            "PASS" if ratio <= 1.5 else "MISS",
        ),
        Row("quality: random search, median regret", None, f"{statistics.median(random_search):.4f}", "(context)", ""),
    ]
    for workers in (2, 4):
        project = sweep_project(root, f"duplicates_{workers}", "branin", 100, 0)
        plugin_run(project, "-n", str(workers))
        params = [
            json.dumps(t["params"], sort_keys=True) for t in study_trials(str(project / "reports" / "optuna.journal"))
        ]
        duplicates = len(params) - len(set(params))
        rows.append(
            Row(
                f"duplicates: 100 trials, -n {workers}",
                None,
                f"{duplicates} of {len(params)}",
                "0",
                "PASS" if duplicates == 0 else "MISS",
            )
        )
        log(f"  -n {workers}: {duplicates} duplicate parameter sets in {len(params)} trials")
    return rows


def overhead(root: Path, repeats: int) -> list[Row]:
    """Cost per trial as the slope between a small and a large run: fixed costs (imports, collection) cancel."""
    small, large = TRIVIAL // 2, TRIVIAL * 3 // 2
    log(f"\n[2] overhead: trivial trials, the cost per trial from {small} to {large} trials")

    def slope(measure: Callable[[int, int], float]) -> tuple[float, float]:
        times = {n: statistics.median(measure(n, i) for i in range(repeats)) for n in (small, large)}
        return (times[large] - times[small]) / (large - small), times[large]

    loop, _ = slope(lambda n, i: optuna_loop(root, "trivial", n, i, str(root / f"loop_{n}_{i}.journal"))["seconds"])
    rows = [Row("overhead: Optuna ask/tell loop (TPE, journal file), per trial", None, f"{loop * 1000:.2f} ms", "", "")]
    for processes in ("0", "2"):

        def session(n: int, i: int, processes: str = processes) -> float:
            return plugin_run(sweep_project(root, f"overhead_{processes}_{n}_{i}", "trivial", n, i), "-n", processes)

        def items(n: int, i: int, processes: str = processes) -> float:
            folder = root / f"parametrized_{n}"
            write_file(folder / "test_trivial.py", PARAMETRIZED.format(n=n))
            return run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", processes], folder)[0]

        per_item, item_total = slope(items)
        per_trial, session_total = slope(session)
        beyond = per_trial - per_item
        ratio = beyond / loop
        where = "one process" if processes == "0" else "-n 2 (wall time, two workers)"
        log(f"  {where}: {per_trial * 1000:.2f} ms per trial, {per_item * 1000:.2f} ms per parametrized item")
        rows.append(Row(f"overhead: pytest's own cost per item, {where}", item_total, f"{per_item * 1000:.2f} ms"))
        rows.append(
            Row(
                f"overhead: plugin per trial beyond pytest's, {where}, vs the loop",
                session_total,
                f"{beyond * 1000:.2f} ms ({ratio:.2f}x)",
                "<= 1.3x",
                "PASS" if ratio <= 1.3 else "MISS",
            )
        )
    return rows


def storage(root: Path, postgres: str | None) -> list[Row]:
    log(f"\n[3] storage: {TRIVIAL} trivial trials, -n 2")
    rows = []
    locations = {"journal file (default)": None, "SQLite RDB URL": "sqlite:///{project}/study.db"}
    if postgres:
        locations["PostgreSQL"] = postgres
    for name, url in locations.items():
        project = sweep_project(root, f"storage_{len(rows)}", "trivial", TRIVIAL, 0)
        location = str(project / "reports" / "optuna.journal") if url is None else url.format(project=project)
        args = ["-n", "2"] + ([] if url is None else ["--sweep-storage", location])
        took = plugin_run(project, *args)
        trials = study_trials(location)
        slots = [t["slot"] for t in trials if t["state"] == "COMPLETE"]
        lost, doubled = TRIVIAL - len(set(slots)), len(slots) - len(set(slots))
        rows.append(
            Row(
                f"storage: {name}",
                took,
                f"{took / TRIVIAL * 1000:.1f} ms/trial; {lost} lost, {doubled} twice",
                "0 lost, 0 twice",
                "PASS" if lost == doubled == 0 else "MISS",
            )
        )
        log(f"  {name}: {took:.2f} s, {lost} lost, {doubled} twice")
        if "postgresql" in location:  # leave the server as it was: drop the study
            subprocess.run([sys.executable, "-c", DROP_STUDIES, location], check=False)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--seeds", type=int, default=None, help="seeds for the quality case (default 20; 3 with --quick)"
        )
        parser.add_argument("--postgres", default=None, metavar="URL", help="also measure a PostgreSQL server")

    args = parse_options(__doc__.split("\n\n")[0], ("quality", "overhead", "storage"), "(no profiles)", argv, extra)
    seeds = args.seeds or (3 if args.quick else 20)
    root = start("sweep_bench_bayes_", args.repeats)
    if root is None:
        return 2
    try:
        rows: list[Row] = []
        if "quality" in args.only:
            rows += quality(root, seeds)
        if "overhead" in args.only:
            rows += overhead(root, args.repeats)
        if "storage" in args.only:
            rows += storage(root, args.postgres)
        command = "python benchmarks/bench_bayes.py" + (" --quick" if args.quick else "")
        return conclude(rows, [], command, [], root, args.top)
    finally:
        finish(root, args.keep)


if __name__ == "__main__":
    sys.exit(main())

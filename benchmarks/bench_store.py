#!/usr/bin/env python
"""Benchmarks of sweep_plugin's result store (``<report dir>/results.sqlite``).

Every case builds a throw-away project in a temp dir and runs
``python -m pytest -p no:cacheprovider ...`` as a subprocess; figures are
ratios or differences taken *in the same run*, not absolute seconds:

1. load    -- 2,000 trivial trials under ``-n 2 --sweep-no-report`` with the
              store on, in a fresh folder each time: afterwards results.sqlite
              holds all 2,000 records (2,000 distinct nodeids, one session,
              all passed) and the output never says "database is locked".
                                                        target: every run
2. write   -- the store's cost per trial, two ways:
              (a) in one process, ``ResultStore(path).put(session, record)``
                  called 2,000 times with a realistic record
                  (params, metrics, a 20-step history, a small nested
                  config): the median per call;          target: <= 2 ms
                  (``config_hash`` + ``put``, what a worker does per trial,
                  is shown for context)
              (b) a whole run of 1,000 trivial trials, ``-o sweep_store=true``
                  vs ``-o sweep_store=false`` (both ``--sweep-no-report``,
                  one process): (on - off) / 1,000.      target: <= 2 ms
3. resume  -- a 10,000-trial sweep (a: 100 x b: 100) run once in full
              (``-n 2 --sweep-no-report``, untimed but shown), then
              ``--sweep-resume --sweep-no-report`` (all 10,000 reused) vs
              ``--collect-only -q`` of the same sweep.   target: <= 1.5x
              The resume run must exit 0, say "10000 deselected" with no
              trial run, and leave the store's row count unchanged (every
              trial that ran would add a row).
              Then (``--history N``, default 3) N-1 more full runs are
              stored and the pair is timed again: the store keeps every
              session's rows, and resume must not slow down with them (it
              looks up this session's hashes only).      target: <= 1.5x

Variants of a case run alternately, ``--repeats`` times each (after one
untimed warm-up run of each), and the median wall time is reported.

Usage::

    python benchmarks/bench_store.py                  # 3 repeats
    python benchmarks/bench_store.py --quick          # 1 repeat
    python benchmarks/bench_store.py --only resume --profile   # + cProfile of the plugin runs

A case whose target is missed is profiled once more under cProfile even
without ``--profile``. Only the standard library and what the project
installs are used.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness import (
    ATTEMPTS,
    MEASURED,
    TRIVIAL_MODULE,
    Row,
    Variant,
    child_env,
    conclude,
    finish,
    first_error,
    grid_yaml,
    log,
    make_project,
    measure,
    parse_options,
    run_once,
    snapshot_dir,
    start,
    write_file,
)

STORE = Path("reports") / "results.sqlite"
LOCKED = "database is locked"
NAME_WIDTH = 38  # the name column of the progress lines

# ----------------------------------------------------------------------------
# Project builders


def build_sweep(root: Path, name: str, axes: dict[str, int]) -> Path:
    project = make_project(root / name)
    write_file(project / "models.py", TRIVIAL_MODULE)
    write_file(project / "sweep_grid.yaml", grid_yaml(axes, "models:train"))
    return project


# ----------------------------------------------------------------------------
# Reading the store


def store_counts(project: Path) -> dict[str, int]:
    """Rows, distinct nodeids, sessions and passed rows in ``project``'s store (zeros if none)."""
    path = project / STORE
    if not path.is_file():
        return {"rows": 0, "nodeids": 0, "sessions": 0, "passed": 0}
    connection = sqlite3.connect(path)
    try:
        rows, nodeids, sessions, passed = connection.execute(
            "SELECT count(*), count(DISTINCT nodeid), count(DISTINCT session),"
            " coalesce(sum(outcome = 'passed'), 0) FROM trials"
        ).fetchone()
    finally:
        connection.close()
    return {"rows": rows, "nodeids": nodeids, "sessions": sessions, "passed": passed}


# ----------------------------------------------------------------------------
# The in-process micro-benchmark of ResultStore.put (run in a subprocess, so it
# measures the snapshot of sweep_plugin like every other case)

PUT_SCRIPT = r"""
import json, statistics, sys, time
from pathlib import Path
from typing import Any
import sweep_plugin.records.store as store_module
from sweep_plugin.records import ResultStore
from sweep_plugin.spec import config_hash

path, calls = Path(sys.argv[1]), int(sys.argv[2])

def record(i):
    a, b = divmod(i, 50)
    config = {"model": {"width": 64, "depth": 2, "dropout": 0.1}, "optim": {"name": "adam", "lr": 0.001 * (1 + b)},
              "data": {"batch_size": 32, "shuffle": True}, "a": a, "b": b}
    return {
        "sweep": "grid", "file": "sweep_grid.yaml", "trial": f"a:{a}-b:{b}", "nodeid": f"sweep_grid.yaml::a:{a}-b:{b}",
        "outcome": "passed", "duration_s": 0.012345, "worker": "gw0", "attempts": 1,
        "params": {"a": a, "b": b, "optim.lr": config["optim"]["lr"]},
        "metrics": {"loss": 0.1 + a / 1000, "acc": 0.9 - b / 1000},
        "history": [{"step": s, "loss": 1.0 / (s + 1) + a / 1000, "acc": s / 20} for s in range(20)],
        "message": "", "config": config, "metric": {"name": "loss", "goal": "minimize"}, "scales": {},
        "hash": "0" * 32, "resumed": False,
    }

store = ResultStore(path)
records = [record(i) for i in range(calls)]
put, both = [], []
for rec in records:
    start = time.perf_counter()
    store.put("bench-put", rec)
    put.append(time.perf_counter() - start)
# the worker's path per trial: the config hash, then put (another session, same file)
for rec in records:
    start = time.perf_counter()
    store.put("bench-hash-put", {**rec, "hash": config_hash(rec["config"], "models:train", "sweep_grid.yaml::grid")})
    both.append(time.perf_counter() - start)
store.close()

def summary(times):
    ms = sorted(t * 1000 for t in times)
    return {"median": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))], "mean": statistics.fmean(ms),
            "max": ms[-1]}

print(json.dumps({"module": store_module.__file__, "bytes": len(json.dumps(records[0])),
                  "put": summary(put), "hash_put": summary(both)}))
"""


def micro_put(root: Path, calls: int, repeats: int, log: Callable[[str], None]) -> tuple[list[dict[str, Any]], str]:
    """``repeats`` runs of PUT_SCRIPT, each on a fresh store file; their summaries and a problem, or ""."""
    results: list[dict[str, Any]] = []
    for round_ in range(repeats):
        folder = root / f"micro_{round_}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        proc = subprocess.run(
            [sys.executable, "-c", PUT_SCRIPT, str(folder / "reports" / "results.sqlite"), str(calls)],
            cwd=folder,
            env=child_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            return results, f"micro-benchmark failed: {first_error(proc.stdout + proc.stderr)}"
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        snapshot = snapshot_dir()
        if snapshot is not None and not result["module"].startswith(str(snapshot)):
            return results, f"micro-benchmark imported {result['module']}, not the snapshot"
        results.append(result)
        log(
            f"  round {round_ + 1}/{repeats}  put: median {result['put']['median']:.3f} ms,"
            f" p95 {result['put']['p95']:.3f} ms, max {result['put']['max']:.1f} ms;"
            f" hash+put median {result['hash_put']['median']:.3f} ms  ({result['bytes']} B record)"
        )
    return results, ""


# ----------------------------------------------------------------------------
# Checks run after a pytest run (cwd, output) -> problem or ""


def check_load(expected: int) -> Callable[[Path, str], str]:
    def check(cwd: Path, output: str) -> str:
        if LOCKED in output.lower():
            return f"the output says {LOCKED!r}"
        counts = store_counts(cwd)
        want = {"rows": expected, "nodeids": expected, "sessions": 1, "passed": expected}
        if counts != want:
            return f"store holds {counts}, wanted {want}"
        return ""

    return check


def check_store_off(cwd: Path, output: str) -> str:
    return f"{STORE} exists with sweep_store=false" if (cwd / STORE).exists() else ""


def check_resume(expected: int, sessions: int = 1) -> Callable[[Path, str], str]:
    """All reused, nothing run: the summary line is only deselections, the store did not grow."""

    def check(cwd: Path, output: str) -> str:
        last = [line for line in output.splitlines() if re.search(r"\bin [\d.]+s\b", line)]
        summary = last[-1] if last else ""
        if not re.search(rf"^=*\s*{expected} deselected in ", summary):
            return f"the summary line is {summary!r}, wanted only '{expected} deselected' (a trial ran?)"
        if f"{expected} resumed" not in output:
            return f"no '{expected} resumed' in the sweep summary"
        counts = store_counts(cwd)
        if counts["rows"] != expected * sessions or counts["sessions"] != sessions:
            return f"the store changed: {counts} (a resumed run must not store trials)"
        return ""

    return check


def _verdict(value: float, limit: float) -> str:
    return "ERROR" if math.isnan(value) else "PASS" if value <= limit else "MISS"


def _describe_store(variant: Variant) -> str:
    """The store's counts, for a profile listing (if there is a store)."""
    return f"store at profile time: {store_counts(variant.cwd)}" if (variant.cwd / STORE).is_file() else ""


# ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    def history(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--history", type=int, default=3, help="full runs stored for the context resume rows (1: none; default 3)"
        )

    help_profile = "cProfile the plugin variants (missed cases always)"
    args = parse_options(__doc__.split("\n\n")[0], ("load", "write", "resume"), help_profile, argv, history)
    repeats, cases = args.repeats, args.only

    root = start("sweep_bench_store_", repeats)
    if root is None:
        return 2
    rows: list[Row] = []
    notes: list[str] = []
    profiled: list[Variant] = []
    missed: list[Variant] = []
    try:
        if "load" in cases:
            log("\n[1] load: 2,000 trivial trials, -n 2, store on (fresh folder each run)")
            project = build_sweep(root, "load", {"a": 50, "b": 40})
            load = Variant(
                "load: -n 2, 2,000 trials",
                project,
                ["-q", "-n", "2", "--sweep-no-report"],
                "2000 passed",
                clean=("reports",),
                check=check_load(2000),
            )
            # every run is a check, so none is retried or left out
            measure([load], repeats, log, warm_up=False, retry=False, width=NAME_WIDTH)
            runs = len(load.times) + len(load.failures)
            ok = not load.failures and runs > 0
            figure = f"{len(load.times)}/{runs} runs: 2000/2000 records, no '{LOCKED}'"
            if load.failures:
                figure = f"{len(load.times)}/{runs} runs complete; first problem: {load.failures[0]}"
            rows.append(Row(load.name, load.median, figure, "every run complete", "PASS" if ok else "MISS"))
            profiled.append(load)
            if not ok:
                missed.append(load)

        if "write" in cases:
            calls = 2000
            log(f"\n[2a] write cost in one process: ResultStore.put x {calls:,}, realistic record")
            results, problem = micro_put(root, calls, repeats, log)
            if problem:
                notes.append(problem)
            put = statistics.median(r["put"]["median"] for r in results) if results else math.nan
            both = statistics.median(r["hash_put"]["median"] for r in results) if results else math.nan
            p95 = statistics.median(r["put"]["p95"] for r in results) if results else math.nan
            rows.append(
                Row(
                    f"write: ResultStore.put, median of {calls:,} calls (p95 {p95:.3f} ms)",
                    None,
                    f"{put:.3f} ms/trial",
                    "<= 2 ms",
                    _verdict(put, 2.0),
                )
            )
            rows.append(Row("write: config_hash + put (a worker's path)", None, f"{both:.3f} ms/trial", "(context)"))

            log("\n[2b] write cost over a run: 1,000 trivial trials, sweep_store=true vs false")
            project = build_sweep(root, "write", {"a": 40, "b": 25})
            base = ["-q", "--sweep-no-report"]
            off = Variant(
                "write: 1,000 trials, store off",
                project,
                [*base, "-o", "sweep_store=false"],
                "1000 passed",
                clean=("reports",),
                check=check_store_off,
            )
            on = Variant(
                "write: 1,000 trials, store on",
                project,
                [*base, "-o", "sweep_store=true"],
                "1000 passed",
                clean=("reports",),
                check=check_load(1000),
            )
            measure([off, on], repeats, log, width=NAME_WIDTH)
            per_trial = (on.median - off.median) / 1000 * 1000  # ms
            rows += [
                Row(off.name, off.median, "baseline"),
                Row(on.name, on.median, f"{on.median / off.median:.3f}x", "(context)"),
                Row(
                    "write: (on - off) / 1,000", None, f"{per_trial:+.3f} ms/trial", "<= 2 ms", _verdict(per_trial, 2.0)
                ),
            ]
            profiled.append(on)
            if _verdict(per_trial, 2.0) != "PASS":
                missed.append(on)
            if not math.isnan(per_trial) and repeats < 3:
                notes.append("the whole-run write cost is a small difference of two noisy times: use 3+ repeats")

        if "resume" in cases:
            log("\n[3] resume: 10,000 trials (a: 100 x b: 100)")
            project = build_sweep(root, "resume", {"a": 100, "b": 100})
            full = Variant(
                "resume: first full run, -n 2",
                project,
                ["-q", "-n", "2", "--sweep-no-report"],
                "10000 passed",
                clean=("reports",),
                check=check_load(10000),
            )
            took = None
            for _ in range(ATTEMPTS):
                took = run_once(full)
                if took is not None:
                    break
            MEASURED.append(full)
            if took is None:
                rows.append(Row("resume: first full run", None, "failed", "", "ERROR"))
            else:
                log(f"  full run: {took:.2f} s, {store_counts(project)['rows']:,} records stored")
                rows.append(Row(full.name + " (untimed, context)", took, "10000/10000 records", "(context)"))
                collect = Variant(
                    "resume: --collect-only -q", project, ["--collect-only", "-q"], "10000 tests collected"
                )
                resume = Variant(
                    "resume: --sweep-resume --sweep-no-report",
                    project,
                    ["-q", "--sweep-resume", "--sweep-no-report"],
                    "10000 deselected",
                    check=check_resume(10000),
                )
                measure([collect, resume], repeats, log, width=NAME_WIDTH)
                ratio = resume.median / collect.median
                rows += [
                    Row(collect.name, collect.median, "1.00x", "baseline"),
                    Row(resume.name, resume.median, f"{ratio:.2f}x", "<= 1.5x", _verdict(ratio, 1.5)),
                ]
                profiled += [collect, resume]
                if _verdict(ratio, 1.5) != "PASS":
                    missed += [collect, resume]
                if args.history > 1:
                    # the store keeps every session's rows: resume must not slow down as runs pile up
                    more = args.history - 1
                    log(f"  {more} more full run(s), then the same pair again ({args.history} sessions stored)")
                    full.clean = ()
                    full.check = None
                    for _ in range(args.history - 1):
                        if run_once(full, timed=False) is None:
                            break
                    counts = store_counts(project)
                    if counts["sessions"] == args.history:
                        label = f"{args.history} full runs stored"
                        collect_h = Variant(
                            f"resume: --collect-only -q ({label})",
                            project,
                            ["--collect-only", "-q"],
                            "10000 tests collected",
                        )
                        resume_h = Variant(
                            f"resume: --sweep-resume ({label})",
                            project,
                            ["-q", "--sweep-resume", "--sweep-no-report"],
                            "10000 deselected",
                            check=check_resume(10000, args.history),
                        )
                        measure([collect_h, resume_h], repeats, log, warm_up=False, width=NAME_WIDTH)
                        ratio_h = resume_h.median / collect_h.median
                        rows += [
                            Row(collect_h.name, collect_h.median, "1.00x", ""),
                            Row(resume_h.name, resume_h.median, f"{ratio_h:.2f}x", "<= 1.5x", _verdict(ratio_h, 1.5)),
                        ]
                        if ratio_h > 1.5:
                            missed += [collect_h, resume_h]
                    else:
                        notes.append(f"the extra full runs left {counts}; the history rows are left out")

        command = "python benchmarks/bench_store.py" + (" --quick" if args.quick else "")
        return conclude(rows, notes, command, profiled if args.profile else missed, root, args.top, _describe_store)
    finally:
        finish(root, args.keep)


if __name__ == "__main__":
    sys.exit(main())

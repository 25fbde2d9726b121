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
              (a) in one process, ``ResultStore(path).put(session, record,
                  digest)`` called 2,000 times with a realistic record
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
              For context (``--history N``, default 3), N-1 more full runs
              are stored and the pair is timed again: the store keeps every
              session's rows, and resume reads all finished ones.

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
import importlib.util
import json
import math
import os
import pstats
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Third-party plugins that walk every node at session end (hypothesis) are off in every variant alike.
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:hypothesispytest"]
STORE = Path("reports") / "results.sqlite"
LOCKED = "database is locked"

# ----------------------------------------------------------------------------
# Project builders


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _project(root: Path) -> Path:
    """An empty project: a pytest.ini pins the rootdir to ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    _write(root / "pytest.ini", "[pytest]\n")
    return root


def _grid_yaml(axes: dict[str, int], experiment: str) -> str:
    lines = [f"experiment: {experiment}", "parameters:"]
    for name, count in axes.items():
        lines.append(f"  {name}: [{', '.join(str(i) for i in range(count))}]")
    return "\n".join(lines) + "\n"


TRIVIAL_MODULE = """
def train(config):
    return {"y": float(config["a"] + config["b"])}
"""


def build_sweep(root: Path, name: str, axes: dict[str, int]) -> Path:
    project = _project(root / name)
    _write(project / "models.py", TRIVIAL_MODULE)
    _write(project / "sweep_grid.yaml", _grid_yaml(axes, "models:train"))
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
# Running and timing


@dataclass
class Variant:
    name: str
    cwd: Path
    args: list[str]
    expect: str  # a substring the last lines of output must contain (sanity check)
    clean: tuple[str, ...] = ()  # paths (relative to cwd) removed before every run
    check: Callable[[Path, str], str] | None = None  # (cwd, output) -> a problem, or ""
    argv: list[str] | None = None  # a command other than pytest
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else math.nan

    def command(self) -> list[str]:
        return self.argv if self.argv is not None else [*PYTEST, *self.args]


SNAPSHOT: Path | None = None  # a frozen copy of sweep_plugin, first on PYTHONPATH


def snapshot_plugin(root: Path) -> Path:
    """Copy the sweep_plugin package under ``root``: every run measures the same code,
    even if the working tree is edited while the benchmark runs."""
    spec = importlib.util.find_spec("sweep_plugin.plugin")  # the package may resolve as a namespace
    if spec is None or spec.origin is None:
        raise SystemExit("sweep_plugin is not installed")
    source = Path(spec.origin).parent
    target = root / "snapshot"
    shutil.copytree(source, target / "sweep_plugin", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SNAPSHOT), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_AUTO_NUM_WORKERS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _first_error(text: str) -> str:
    """The most telling line of a failed run's output."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error:" in line or "error:" in line:
            return re.sub(r"^(INTERNALERROR>)?\s*(E\s+)?", "", line)[:200]
    return lines[-1][:200] if lines else "no output"


def _clean(variant: Variant) -> None:
    for rel in variant.clean:
        target = variant.cwd / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def run_once(variant: Variant, *, timed: bool = True) -> float | None:
    """One run; its wall time, or None (and a note in ``variant.failures``) if it went wrong."""
    _clean(variant)
    start = time.perf_counter()
    proc = subprocess.run(variant.command(), cwd=variant.cwd, env=_env(), capture_output=True, text=True)
    took = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    tail = "\n".join(proc.stdout.strip().splitlines()[-3:])
    problem = ""
    if proc.returncode != 0 or variant.expect not in tail:
        problem = f"exit {proc.returncode}, wanted {variant.expect!r}: {_first_error(output)}"
    elif variant.check is not None:
        problem = variant.check(variant.cwd, output)
    if problem:
        if not variant.failures:
            sys.stderr.write(f"\n{variant.name}: {problem}\n$ cd {variant.cwd} && {' '.join(variant.command())}\n")
            sys.stderr.write(f"{output[-1500:]}\n")
        variant.failures.append(problem)
        return None
    if timed:
        variant.times.append(took)
    return took


ATTEMPTS = 3  # a failed timed run is retried, up to this many tries per slot
MEASURED: list[Variant] = []


def measure(
    variants: Sequence[Variant],
    repeats: int,
    log: Callable[[str], None],
    warm_up: bool = True,
    retry: bool = True,
) -> None:
    """One untimed warm-up of each, then ``repeats`` rounds, alternating variants."""
    MEASURED.extend(variants)
    for variant in variants if warm_up else ():
        run_once(variant, timed=False)
    for round_ in range(repeats):
        order = variants if round_ % 2 == 0 else list(reversed(variants))
        for variant in order:
            for _ in range(ATTEMPTS if retry else 1):
                took = run_once(variant)
                if took is not None:
                    log(f"  round {round_ + 1}/{repeats}  {variant.name:<38} {took:7.2f} s")
                    break
                log(f"  round {round_ + 1}/{repeats}  {variant.name:<38}  FAILED: {variant.failures[-1]}")


# ----------------------------------------------------------------------------
# The in-process micro-benchmark of ResultStore.put (run in a subprocess, so it
# measures the snapshot of sweep_plugin like every other case)

PUT_SCRIPT = r"""
import json, statistics, sys, time
from pathlib import Path
from typing import Any
import sweep_plugin.store as store_module
from sweep_plugin.store import ResultStore, config_hash

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
    }

store = ResultStore(path)
records = [record(i) for i in range(calls)]
put, both = [], []
for rec in records:
    start = time.perf_counter()
    store.put("bench-put", rec, "0" * 32)
    put.append(time.perf_counter() - start)
# the worker's path per trial: the config hash, then put (another session, same file)
for rec in records:
    start = time.perf_counter()
    store.put("bench-hash-put", rec, config_hash(rec["config"], "models:train"))
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
            env=_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            return results, f"micro-benchmark failed: {_first_error(proc.stdout + proc.stderr)}"
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if SNAPSHOT is not None and not result["module"].startswith(str(SNAPSHOT)):
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


# ----------------------------------------------------------------------------
# Results


@dataclass
class Row:
    case: str
    seconds: float | None  # the median wall time behind the figure, if any
    figure: str
    target: str = ""
    verdict: str = ""


HEADERS = ("case", "median s", "figure", "target", "result")


def _cells(row: Row) -> tuple[str, ...]:
    seconds = "" if row.seconds is None or math.isnan(row.seconds) else f"{row.seconds:.2f}"
    return (row.case, seconds, row.figure, row.target, row.verdict)


def text_table(rows: Sequence[Row]) -> str:
    cells = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def _verdict(value: float, limit: float) -> str:
    return "ERROR" if math.isnan(value) else "PASS" if value <= limit else "MISS"


# ----------------------------------------------------------------------------
# Profiling: the plugin variants once more under cProfile


def profile(variant: Variant, out: Path, top: int) -> None:
    _clean(variant)
    prof = out / f"{re.sub(r'[^A-Za-z0-9]+', '_', variant.name)}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *variant.command()[1:]]
    subprocess.run(cmd, cwd=variant.cwd, env=_env(), capture_output=True, text=True, check=False)
    print(f"\n=== cProfile: {variant.name} ({prof}) ===")
    if not prof.is_file():
        print("no profile written")
        return
    stats = pstats.Stats(str(prof))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"total {total:.2f} s (profiled)")
    if (variant.cwd / STORE).is_file():
        print(f"store at profile time: {store_counts(variant.cwd)}")
    entries = stats.stats  # type: ignore[attr-defined]

    def show(
        title: str, keyed: list[tuple[tuple[str, int, str], tuple[int, int, float, float, object]]], col: int
    ) -> None:
        print(f"-- {title}")
        for (filename, line, func), (_cc, nc, tt, ct, _callers) in keyed[:top]:
            short = filename.split("site-packages/")[-1] if "site-packages/" in filename else filename
            if "sweep_plugin/" in short:
                short = "sweep_plugin/" + short.split("sweep_plugin/", 1)[1]
            value = tt if col == 2 else ct
            print(f"  {value:7.3f} s {100 * value / total:5.1f}%  {nc:>8} calls  {short}:{line}({func})")

    items = list(entries.items())
    own = [kv for kv in items if "sweep_plugin" in kv[0][0]]
    show("sweep_plugin functions by cumulative time", sorted(own, key=lambda kv: -kv[1][3]), 3)
    show("all functions by own time", sorted(items, key=lambda kv: -kv[1][2]), 2)


# ----------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 repeat instead of 3")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per variant (default 3)")
    parser.add_argument("--only", choices=("load", "write", "resume"), action="append", help="run only these cases")
    parser.add_argument("--profile", action="store_true", help="cProfile the plugin variants (missed cases always)")
    parser.add_argument("--top", type=int, default=15, help="rows per profile listing")
    parser.add_argument(
        "--history", type=int, default=3, help="full runs stored for the context resume rows (1: none; default 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp projects (path printed)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    cases = args.only or ["load", "write", "resume"]

    def log(message: str) -> None:
        print(message, flush=True)

    global SNAPSHOT
    root = Path(tempfile.mkdtemp(prefix="sweep_bench_store_"))
    SNAPSHOT = snapshot_plugin(root)
    probe = "import sweep_plugin.plugin as p; print(p.__file__)"
    check = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, env=_env())
    if check.returncode != 0 or not check.stdout.strip().startswith(str(SNAPSHOT)):
        sys.stderr.write(f"sweep_plugin (copied to {SNAPSHOT}) does not import from there:\n")
        sys.stderr.write((check.stdout + check.stderr)[-2000:])
        shutil.rmtree(root, ignore_errors=True)
        return 2
    rows: list[Row] = []
    notes: list[str] = []
    profiled: list[Variant] = []
    missed: list[Variant] = []
    try:
        log(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {_load()}, {repeats} repeat(s)")
        log(f"projects in {root}; sweep_plugin measured from a copy in {SNAPSHOT}")
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
            measure([load], repeats, log, warm_up=False, retry=False)
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
            measure([off, on], repeats, log)
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
                measure([collect, resume], repeats, log)
                ratio = resume.median / collect.median
                rows += [
                    Row(collect.name, collect.median, "1.00x", "baseline"),
                    Row(resume.name, resume.median, f"{ratio:.2f}x", "<= 1.5x", _verdict(ratio, 1.5)),
                ]
                profiled += [collect, resume]
                if _verdict(ratio, 1.5) != "PASS":
                    missed += [collect, resume]
                if args.history > 1:
                    # context: the store keeps every session's rows, so resume reads more as runs pile up
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
                        measure([collect_h, resume_h], repeats, log, warm_up=False)
                        ratio_h = resume_h.median / collect_h.median
                        rows += [
                            Row(collect_h.name, collect_h.median, "1.00x", "(context)"),
                            Row(resume_h.name, resume_h.median, f"{ratio_h:.2f}x", "(context)"),
                        ]
                    else:
                        notes.append(f"the extra full runs left {counts}; the history rows are left out")

        for variant in MEASURED:
            if variant.failures:
                runs = len(variant.failures) + len(variant.times)
                notes.append(
                    f"{variant.name}: {len(variant.failures)} of {runs} runs failed"
                    f" (timed runs exclude them; first: {variant.failures[0]})"
                )
        log(f"\nload average at the end: {_load()} (other processes on the machine skew ratios)")
        print("\n" + text_table(rows))
        for note in notes:
            print(f"note: {note}")
        for variant in profiled if args.profile else missed:
            profile(variant, root, args.top)
        print("\n<!-- python benchmarks/bench_store.py" + (" --quick" if args.quick else "") + " -->")
        print(markdown_table(rows))
        for note in notes:
            print(f"\n_Note: {note}._")
        return 1 if any(r.verdict in ("MISS", "ERROR") for r in rows) else 0
    finally:
        if args.keep:
            print(f"\nprojects kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

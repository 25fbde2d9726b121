"""How long the test suite takes, and its unit layer: this tree against an earlier commit, in the same run.

    python benchmarks/bench_suite.py --before d3e61dd          # both suites, then the unit layer
    python benchmarks/bench_suite.py --before d3e61dd --coverage

The earlier commit is exported with ``git archive`` into a temp dir and run
from there (its own tests, its own package first on ``PYTHONPATH``), with
the same interpreter and installed packages as this tree. Each suite runs
``python -m pytest tests/ -n 2``, the README's test command; the unit layer
runs ``python -m pytest tests/unit -p no:xdist`` (serial). With
``--coverage`` each suite also measures line coverage of ``sweep_plugin``
(pytest-cov), which slows it: read the times of a run without it.

Prints a markdown table (seconds are wall time, one run each: the machine's
load is printed beside them, since a busy machine stretches every figure).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ["tests/", "-n", "2"]
UNIT = ["tests/unit", "-p", "no:xdist"]


def export(ref: str, into: Path) -> Path:
    """The tree of commit ``ref``, exported into ``into``."""
    archive = into / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), ref], check=True)
    tree = into / ref
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def run(tree: Path, args: list[str], coverage: Path | None) -> dict[str, object]:
    """One pytest run in ``tree``: wall seconds, the summary line, the coverage percentage."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"]
    if coverage is not None:
        command += ["--cov=sweep_plugin", f"--cov-report=json:{coverage}", "--cov-report="]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, preexec_fn=_default_sigint)
    seconds = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", line)]
    for line in done.stdout.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            print(f"  {tree.name}: {line}", file=sys.stderr, flush=True)
    result: dict[str, object] = {"seconds": round(seconds, 1), "summary": lines[-1] if lines else done.stdout[-300:]}
    if coverage is not None and coverage.exists():
        totals = json.loads(coverage.read_text())["totals"]
        result["coverage"] = f"{totals['percent_covered']:.1f}% of {totals['num_statements']} statements"
    return result


def _default_sigint() -> None:
    """Ctrl-C as a terminal gives it, even when this script was started in the background (which ignores it):
    the suite's interrupt tests press it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", metavar="REF", help="an earlier commit to time beside this tree")
    parser.add_argument("--coverage", action="store_true", help="also measure line coverage (slower)")
    args = parser.parse_args()
    rows: list[tuple[str, str, dict[str, object]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as temp:
        trees = [("this tree", ROOT)]
        if args.before:
            trees.insert(0, (f"before ({args.before})", export(args.before, Path(temp))))
        for name, tree in trees:
            print(f"load {load()}: {name}: pytest {' '.join(SUITE)} ...", file=sys.stderr, flush=True)
            cov = Path(temp) / f"{len(rows)}.json" if args.coverage else None
            rows.append((name, f"pytest {' '.join(SUITE)}", run(tree, SUITE, cov)))
        if (ROOT / "tests" / "unit").is_dir():
            print(f"load {load()}: unit layer ...", file=sys.stderr, flush=True)
            rows.append(("this tree", f"pytest {' '.join(UNIT)}", run(ROOT, UNIT, None)))
    print(f"\nmachine: {os.cpu_count()} CPUs, load after the runs {load()}\n")
    print("| tree | command | wall time | result | coverage |")
    print("|---|---|---|---|---|")
    for name, command, result in rows:
        print(f"| {name} | `{command}` | {result['seconds']} s | {result['summary']} | {result.get('coverage', '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

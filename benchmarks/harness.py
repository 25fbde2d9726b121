"""What the subprocess benchmarks (``bench_core.py``, ``bench_store.py``) share.

Throw-away projects in a temp dir, a frozen copy of sweep_plugin first on the
children's ``PYTHONPATH``, timed ``python -m pytest ...`` runs (a warm-up, then
alternating rounds; the median wall time), result tables as text and markdown,
and cProfile listings. The scripts import it with ``from harness import ...``:
run as ``python benchmarks/<script>.py``, their folder is on ``sys.path``.

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Third-party plugins that walk every node at session end (hypothesis) are off in every variant alike.
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:hypothesispytest"]

TRIVIAL_MODULE = """
def train(config):
    return {"m": float(config["a"] + config["b"])}
"""

# ----------------------------------------------------------------------------
# Project builders


def write_file(path: Path, text: str) -> None:
    """Write ``text`` (dedented, leading blank lines dropped) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def make_project(root: Path) -> Path:
    """An empty project: a pytest.ini pins the rootdir to ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    write_file(root / "pytest.ini", "[pytest]\n")
    return root


def grid_yaml(axes: dict[str, int], experiment: str, config: str = "") -> str:
    """A sweep file: a grid of ``axes`` (name -> count, values 0..count-1), with an optional ``config:``."""
    lines = [f"experiment: {experiment}"]
    if config:
        lines.append(f"config: {config}")
    lines.append("parameters:")
    for name, count in axes.items():
        lines.append(f"  {name}: [{', '.join(str(i) for i in range(count))}]")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------
# Running and timing


@dataclass
class Variant:
    """One command that is timed, with what a successful run must show."""

    name: str
    cwd: Path
    args: list[str]
    expect: str  # a substring the last lines of output must contain (sanity check)
    produces: str = ""  # a file (relative to cwd) the run must leave behind
    clean: tuple[str, ...] = ()  # paths (relative to cwd) removed before every run
    check: Callable[[Path, str], str] | None = None  # (cwd, output) -> a problem, or ""
    argv: list[str] | None = None  # a command other than pytest
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median of the timed runs (NaN if none succeeded)."""
        return statistics.median(self.times) if self.times else math.nan

    def command(self) -> list[str]:
        """``argv``, or pytest with ``args``."""
        return self.argv if self.argv is not None else [*PYTEST, *self.args]


SNAPSHOT: Path | None = None  # a frozen copy of sweep_plugin, first on PYTHONPATH (set by start)


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


def snapshot_dir() -> Path | None:
    """Where the runs import sweep_plugin from (None before ``start``)."""
    return SNAPSHOT


def child_env() -> dict[str, str]:
    """The environment of every run: the snapshot first on PYTHONPATH, no pytest options from outside."""
    env = dict(os.environ)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SNAPSHOT), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_AUTO_NUM_WORKERS", None)
    env["PYTHONDONTWRITEBYTECODE"] = "0"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def first_error(text: str) -> str:
    """The most telling line of a failed run's output."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error:" in line or "error:" in line:
            return re.sub(r"^(INTERNALERROR>)?\s*(E\s+)?", "", line)[:200]
    return lines[-1][:200] if lines else "no output"


def clean_outputs(variant: Variant) -> None:
    """Remove ``variant.clean`` (files or folders, relative to its cwd)."""
    for rel in variant.clean:
        target = variant.cwd / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def run_once(variant: Variant, *, timed: bool = True) -> float | None:
    """One run; its wall time, or None (and a note in ``variant.failures``) if it went wrong."""
    clean_outputs(variant)
    start = time.perf_counter()
    proc = subprocess.run(variant.command(), cwd=variant.cwd, env=child_env(), capture_output=True, text=True)
    took = time.perf_counter() - start
    output = proc.stdout + proc.stderr
    tail = "\n".join(proc.stdout.strip().splitlines()[-3:])
    problem = ""
    if proc.returncode != 0 or variant.expect not in tail:
        problem = f"exit {proc.returncode}, wanted {variant.expect!r}: {first_error(output)}"
    elif variant.produces and not (variant.cwd / variant.produces).is_file():
        problem = f"the run left no {variant.produces}"
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
MEASURED: list[Variant] = []  # every variant given to measure (and any a script adds), for failure_notes


def measure(
    variants: Sequence[Variant],
    repeats: int,
    log: Callable[[str], None],
    warm_up: bool = True,
    retry: bool = True,
    width: int = 34,
) -> None:
    """One untimed warm-up of each, then ``repeats`` rounds, alternating variants.

    ``retry``: a failed run is tried again (up to ``ATTEMPTS``); ``width``: the name column of the log lines.
    """
    MEASURED.extend(variants)
    for variant in variants if warm_up else ():
        run_once(variant, timed=False)
    for round_ in range(repeats):
        order = variants if round_ % 2 == 0 else list(reversed(variants))
        for variant in order:
            for _ in range(ATTEMPTS if retry else 1):
                took = run_once(variant)
                if took is not None:
                    log(f"  round {round_ + 1}/{repeats}  {variant.name:<{width}} {took:7.2f} s")
                    break
                log(f"  round {round_ + 1}/{repeats}  {variant.name:<{width}}  FAILED: {variant.failures[-1]}")


def failure_notes() -> list[str]:
    """A note for each measured variant with failed runs."""
    notes = []
    for variant in MEASURED:
        if variant.failures:
            runs = len(variant.failures) + len(variant.times)
            notes.append(
                f"{variant.name}: {len(variant.failures)} of {runs} runs failed"
                f" (timed runs exclude them; first: {variant.failures[0]})"
            )
    return notes


# ----------------------------------------------------------------------------
# Session: set-up, logging, tear-down


def parse_options(
    description: str,
    cases: Sequence[str],
    profile_help: str,
    argv: Sequence[str] | None,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """The common options (``extra`` adds a script's own before ``--keep``), parsed from ``argv``;
    ``repeats`` resolved (``--repeats``, else 1 with ``--quick``, else 3), ``only`` every case by default."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="1 repeat instead of 3")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per variant (default 3)")
    parser.add_argument("--only", choices=tuple(cases), action="append", help="run only these cases")
    parser.add_argument("--profile", action="store_true", help=profile_help)
    parser.add_argument("--top", type=int, default=15, help="rows per profile listing")
    if extra is not None:
        extra(parser)
    parser.add_argument("--keep", action="store_true", help="keep the temp projects (path printed)")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.only = args.only or list(cases)
    return args


def log(message: str) -> None:
    """A progress line, flushed at once."""
    print(message, flush=True)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or "n/a"."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def start(prefix: str, repeats: int) -> Path | None:
    """A temp dir for the projects with a snapshot of sweep_plugin that the runs import (``SNAPSHOT``),
    and the header lines; None (the dir removed, the reason on stderr) if the snapshot does not import."""
    global SNAPSHOT
    root = Path(tempfile.mkdtemp(prefix=prefix))
    SNAPSHOT = snapshot_plugin(root)
    probe = "import sweep_plugin.plugin as p; print(p.__file__)"
    check = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, env=child_env())
    if check.returncode != 0 or not check.stdout.strip().startswith(str(SNAPSHOT)):
        sys.stderr.write(f"sweep_plugin (copied to {SNAPSHOT}) does not import from there:\n")
        sys.stderr.write((check.stdout + check.stderr)[-2000:])
        shutil.rmtree(root, ignore_errors=True)
        return None
    log(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load_average()}, {repeats} repeat(s)")
    log(f"projects in {root}; sweep_plugin measured from a copy in {SNAPSHOT}")
    return root


def finish(root: Path, keep: bool) -> None:
    """Remove the temp projects, or say where they are kept."""
    if keep:
        print(f"\nprojects kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------
# Results


@dataclass
class Row:
    """A line of the result table."""

    case: str
    seconds: float | None  # the median wall time behind the figure, if any
    figure: str  # a ratio, a speed-up, a cost per trial...
    target: str = ""
    verdict: str = ""  # PASS, MISS, ERROR, or "" for context rows


HEADERS = ("case", "median s", "figure", "target", "result")


def cells(row: Row) -> tuple[str, ...]:
    """The row's cells as text (no seconds if there are none)."""
    seconds = "" if row.seconds is None or math.isnan(row.seconds) else f"{row.seconds:.2f}"
    return (row.case, seconds, row.figure, row.target, row.verdict)


def text_table(rows: Sequence[Row]) -> str:
    """An aligned plain-text table."""
    lines_of_cells = [HEADERS, *(cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in lines_of_cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines_of_cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def exit_status(rows: Sequence[Row]) -> int:
    """1 if a target was missed or could not be measured, else 0."""
    return 1 if any(r.verdict in ("MISS", "ERROR") for r in rows) else 0


def conclude(
    rows: Sequence[Row],
    notes: Sequence[str],
    command: str,
    profiled: Sequence[Variant],
    out: Path,
    top: int,
    describe: Callable[[Variant], str] | None = None,
) -> int:
    """Print the results: the text table with ``notes`` and those of ``failure_notes``, a cProfile listing of each
    of ``profiled`` (see ``profile``), then the markdown table under a comment naming ``command``, with the notes.
    Returns the exit status (``exit_status``)."""
    notes = [*notes, *failure_notes()]
    log(f"\nload average at the end: {load_average()} (other processes on the machine skew ratios)")
    print("\n" + text_table(rows))
    for note in notes:
        print(f"note: {note}")
    for variant in profiled:
        profile(variant, out, top, describe)
    print(f"\n<!-- {command} -->")
    print(markdown_table(rows))
    for note in notes:
        print(f"\n_Note: {note}._")
    return exit_status(rows)


# ----------------------------------------------------------------------------
# Profiling: a variant once more under cProfile


def profile(variant: Variant, out: Path, top: int, describe: Callable[[Variant], str] | None = None) -> None:
    """Run ``variant`` under cProfile (profile file in ``out``) and print its top ``top`` functions,
    sweep_plugin's by cumulative time and all by own time; ``describe`` adds a line (if not empty)."""
    clean_outputs(variant)
    prof = out / f"{re.sub(r'[^A-Za-z0-9]+', '_', variant.name)}.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *variant.command()[1:]]
    subprocess.run(cmd, cwd=variant.cwd, env=child_env(), capture_output=True, text=True, check=False)
    print(f"\n=== cProfile: {variant.name} ({prof}) ===")
    if not prof.is_file():
        print("no profile written")
        return
    stats = pstats.Stats(str(prof))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"total {total:.2f} s (profiled)")
    extra = describe(variant) if describe is not None else ""
    if extra:
        print(extra)
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

#!/usr/bin/env python
"""How well the ``regression:`` gate tells a real drop from noise, on simulated CI runs.

A simulated CI run is one sweep of ``--configs`` configurations (default 4),
``--repeats`` repeats a side (default 8, seeds 0..7 on both sides, so the
repeats are paired), values with a known noise of total standard deviation
s = 1: ``value = level[c] + seed_effect[seed] + own noise``. Two noise models:
"independent" (the seed effect has no variance) and "seed-shared" (the seed
effect, identical on both sides for a seed, has variance 0.5 s**2 and the own
noise 0.5 s**2, as real seeds share data order and initialisation). Only
configuration 0 ever changes. Cases, per noise model, ``--runs`` runs each
(default 2,000), on the same noise draws:

(a) no change, tolerance 0        -> false alarms (per gate; per run: any of its gates)
(b) configuration 0 drops by 2 s  -> detection of configuration 0
(c) tolerance 1 s, drop of 0.5 s  -> how often configuration 0 fails (half the tolerance)
(d) no change at noise 1.5 s      -> false alarms of every method, margins tuned at s

"ours" is the plugin's gate: ``compare_all`` with the real classes, every
simulated run, at ``confidence: 0.99``, with the noise pooled over the
configurations (``pool: true``, the default) and without (``pool: false``).
Beside it, on the same values, the gates users write today: one run against
one baseline run (seed 0 only) with a fixed margin, and mean against mean with
a fixed margin, each margin set to the 99th percentile of its loss in case (a)
of the same noise model (1% false alarms: an oracle that knows the true noise).

Then ``--sessions`` pairs of real pytest sessions (a baseline, then a drop of
2 s in cfg 0 judged with ``--sweep-baseline``) of the same model as an
in-process experiment, whose ``reports/gates.csv`` is checked against ``compare_all`` run
directly on the two ``summary.csv`` files.

Targets (exit status 1 if one is missed): ours with pool true, both noise
models: false alarms per gate <= 1% + 3 standard errors, detection >= 90%,
fails at half the tolerance <= 1% + 3 standard errors; the sessions' verdicts
and p-values equal the direct computation.

Usage::

    python benchmarks/bench_gate.py              # 2,000 runs per case, 3 session pairs
    python benchmarks/bench_gate.py --quick      # 500 runs per case, 1 session pair
    python benchmarks/bench_gate.py --sessions 0 # the simulation only

Uses numpy and scipy (project dependencies) and the standard library.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

CONFIDENCE = 0.99
ALARM = 1 - CONFIDENCE  # the false-alarm rate every gate is held to
DROP = 2.0  # the true drop to detect, in units of s
TOLERANCE = 1.0  # case (c): tolerance 1 s, true drop of half of it
LOUDER = 1.5  # case (d): the noise the fixed margins were not tuned for
NOISE_MODELS = {"independent": 0.0, "seed-shared": 0.5}  # name -> share of the variance a seed's two runs share
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:hypothesispytest"]
SWEEP_NAME = "gate"  # sweep_gate.yaml


def log(message: str) -> None:
    print(message, flush=True)


# ----------------------------------------------------------------------------
# The plugin, from a copy (the working tree may be edited while this runs)


def snapshot_plugin(root: Path) -> Path:
    """Copy the sweep_plugin package under ``root``, first on ``sys.path`` here and on the sessions' PYTHONPATH."""
    spec = importlib.util.find_spec("sweep_plugin")  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("sweep_plugin is not installed")
    target = root / "snapshot"
    source = Path(next(iter(spec.submodule_search_locations)))
    shutil.copytree(source, target / "sweep_plugin", ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(target))
    return target


def child_env(snapshot: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(snapshot), env.get("PYTHONPATH")]))
    env.pop("PYTEST_ADDOPTS", None)
    env.setdefault("MPLBACKEND", "Agg")
    return env


# ----------------------------------------------------------------------------
# Simulated CI runs


@dataclass(frozen=True)
class Runs:
    """``runs`` simulated CI runs: the values of each configuration's repeats, (runs, configs, repeats) a side."""

    now: np.ndarray
    before: np.ndarray

    def dropped(self, drop: float) -> Runs:
        """The same runs with configuration 0 worse by ``drop`` in this run (acc is maximized: lower)."""
        now = self.now.copy()
        now[:, 0, :] -= drop
        return Runs(now, self.before)


def simulate(rng: np.random.Generator, runs: int, configs: int, repeats: int, rho: float, s: float) -> Runs:
    """No change: both sides drawn around the same levels. A seed's effect is the same on both sides
    (and in every configuration of the run): it cancels in every within-configuration difference."""
    levels = np.arange(configs, dtype=float)[None, :, None]  # any levels: each configuration is judged alone
    seed_effect = rng.normal(0.0, s * math.sqrt(rho), size=(runs, 1, repeats))
    own = rng.normal(0.0, s * math.sqrt(1 - rho), size=(2, runs, configs, repeats))
    return Runs(levels + seed_effect + own[0], levels + seed_effect + own[1])


def judge_ours(runs: Runs, tolerance: float, pool: bool) -> np.ndarray:
    """The plugin's verdict (regressed) for every run and configuration, (runs, configs): ``compare_all`` each run."""
    from sweep_plugin.records import Metric
    from sweep_plugin.spec import Regression
    from sweep_plugin.verdicts import Sides, compare_all

    rule = Regression(Metric("acc", "maximize"), tolerance=tolerance, confidence=CONFIDENCE, pool=pool)
    count, configs, repeats = runs.now.shape
    names = [f"cfg:{c}" for c in range(configs)]
    seeds = range(repeats)
    regressed = np.zeros((count, configs), dtype=bool)
    for r in range(count):
        now, before = runs.now[r].tolist(), runs.before[r].tolist()
        sides = {
            name: Sides.of(dict(zip(seeds, now[c], strict=True)), dict(zip(seeds, before[c], strict=True)), rule)
            for c, name in enumerate(names)
        }
        verdicts = compare_all(sides, rule)
        regressed[r] = [verdicts[name].regressed for name in names]
    return regressed


def single_loss(runs: Runs) -> np.ndarray:
    """One run against one baseline run: seed 0's values only; (runs, configs), positive = worse."""
    return runs.before[:, :, 0] - runs.now[:, :, 0]


def mean_loss(runs: Runs) -> np.ndarray:
    """Mean against mean over the repeats; (runs, configs), positive = worse."""
    return runs.before.mean(axis=2) - runs.now.mean(axis=2)


ALTERNATIVES = {"one run vs one baseline run, fixed margin": single_loss, "mean vs mean, fixed margin": mean_loss}


# ----------------------------------------------------------------------------
# Rates and rows


@dataclass
class Rate:
    """A share of verdicts and its standard error (of the estimate)."""

    value: float
    se: float

    def __str__(self) -> str:
        return f"{100 * self.value:.2f}%"


def gate_rate(flags: np.ndarray) -> Rate:
    """Share of gates flagged among all (runs, configs); SE from the per-run shares (gates of a run may correlate)."""
    per_run = flags.mean(axis=1)
    se = float(per_run.std(ddof=1) / math.sqrt(len(per_run))) if len(per_run) > 1 else math.nan
    return Rate(float(flags.mean()), se)


def run_rate(flags: np.ndarray) -> Rate:
    """Share of runs with at least one gate flagged."""
    return share(flags.any(axis=1))


def share(flags: np.ndarray) -> Rate:
    p = float(flags.mean())
    return Rate(p, math.sqrt(p * (1 - p) / flags.size))


def binomial_se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


@dataclass
class Row:
    method: str
    noise: str
    alarms_gate: str = "n/a"
    alarms_run: str = "n/a"
    detection: str = "n/a"
    half_tolerance: str = "n/a"
    alarms_louder: str = "n/a"
    result: str = ""


HEADERS = (
    "method",
    "noise",
    "false alarms / gate",
    "false alarms / run",
    f"detection, drop {DROP:g} s",
    f"fails, drop {TOLERANCE / 2:g} s (tol. {TOLERANCE:g} s)",
    f"false alarms / gate at noise {LOUDER:g} s",
    "result",
)


def cells(row: Row) -> tuple[str, ...]:
    return (
        row.method,
        row.noise,
        row.alarms_gate,
        row.alarms_run,
        row.detection,
        row.half_tolerance,
        row.alarms_louder,
        row.result,
    )


def text_table(rows: Sequence[Row]) -> str:
    table = [HEADERS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# One noise model: every case, every method


@dataclass
class Check:
    what: str
    rate: Rate
    limit: float
    at_most: bool  # the rate must be <= limit (else >= limit)

    @property
    def met(self) -> bool:
        return self.rate.value <= self.limit if self.at_most else self.rate.value >= self.limit

    def __str__(self) -> str:
        sign = "<=" if self.at_most else ">="
        verdict = "PASS" if self.met else "MISS"
        return (
            f"{verdict}: {self.what} = {self.rate} (SE {100 * self.rate.se:.2f} points) {sign} {100 * self.limit:.2f}%"
        )


def noise_model(
    name: str, rho: float, rng: np.random.Generator, args: argparse.Namespace
) -> tuple[list[Row], list[Check], list[str]]:
    """The rows of one noise model, the checks of ours with pool true, and notes."""
    runs, configs, repeats = args.runs, args.configs, args.repeats
    started = time.perf_counter()
    base = simulate(rng, runs, configs, repeats, rho, 1.0)
    louder = simulate(rng, runs, configs, repeats, rho, LOUDER)
    drop, half = base.dropped(DROP), base.dropped(TOLERANCE / 2)
    rows: list[Row] = []
    checks: list[Check] = []
    notes: list[str] = []
    # ours, through compare_all
    for pool in (True, False):
        t0 = time.perf_counter()
        alarms = judge_ours(base, 0.0, pool)
        per_run_ms = 1000 * (time.perf_counter() - t0) / runs
        detected = judge_ours(drop, 0.0, pool)[:, 0]
        failed_half = judge_ours(half, TOLERANCE, pool)[:, 0]
        louder_alarms = judge_ours(louder, 0.0, pool)
        gate, detection, half_rate = gate_rate(alarms), share(detected), share(failed_half)
        row = Row(
            f"ours, compare_all, pool={'true' if pool else 'false'}",
            name,
            str(gate),
            str(run_rate(alarms)),
            str(detection),
            str(half_rate),
            str(gate_rate(louder_alarms)),
        )
        if pool:
            # the allowance for sampling noise: the larger of the SE at the target rate and the observed one
            gate.se = max(gate.se, binomial_se(ALARM, runs * configs))
            half_rate.se = max(half_rate.se, binomial_se(ALARM, runs))
            mine = [
                Check(f"{name}: false alarms per gate", gate, ALARM + 3 * gate.se, True),
                Check(f"{name}: detection of a {DROP:g} s drop", detection, 0.90, False),
                Check(f"{name}: fails at half the tolerance", half_rate, ALARM + 3 * half_rate.se, True),
            ]
            checks += mine
            missed = [c.what.split(": ", 1)[1] for c in mine if not c.met]
            row.result = "PASS" if not missed else "MISS: " + ", ".join(missed)
        rows.append(row)
        log(f"  {name:<12} {row.method:<30} {per_run_ms:5.2f} ms per simulated run (compare_all)")
    # the fixed margins, tuned on case (a) of this noise model
    for method, loss in ALTERNATIVES.items():
        unchanged = loss(base)
        margin = float(np.quantile(unchanged, CONFIDENCE))
        rows.append(
            Row(
                method + " (oracle)",
                name,
                str(gate_rate(unchanged > margin)),
                str(run_rate(unchanged > margin)),
                str(share(loss(drop)[:, 0] > margin)),
                "n/a",
                str(gate_rate(loss(louder) > margin)),
            )
        )
        notes.append(f"{name}: {method}: margin {margin:.3f} s (99th percentile of its loss with no change)")
    # the reference: a one-sided z-test on the mean paired difference that knew its standard deviation
    se = math.sqrt(2 * (1 - rho) / repeats)
    z = float(stats.norm.ppf(CONFIDENCE))
    rows.append(
        Row(
            "z-test that knew s (theory)",
            name,
            f"{100 * ALARM:.2f}%",
            f"{100 * (1 - CONFIDENCE**configs):.2f}%",
            f"{100 * stats.norm.sf(z - DROP / se):.2f}%",
            f"{100 * stats.norm.sf(z + (TOLERANCE - TOLERANCE / 2) / se):.2f}%",
        )
    )
    for pool, df in ((True, configs * (repeats - 1)), (False, repeats - 1)):
        power = stats.nct.sf(stats.t.ppf(CONFIDENCE, df), df, DROP / se)
        notes.append(
            f"{name}: the t-test's theoretical detection with pool={'true' if pool else 'false'}"
            f" ({df} degrees of freedom): {100 * power:.2f}%"
        )
    log(f"  {name:<12} done in {time.perf_counter() - started:.1f} s")
    return rows, checks, notes


# ----------------------------------------------------------------------------
# Real pytest sessions


MODEL = """
import math

import numpy as np


def train(config, trial):
    # the bench's model: a level per cfg, a seed effect shared by the two sessions of a pair, own noise
    seed, cfg, rho = config["seed"], config["cfg"], config["rho"]
    shared = np.random.default_rng([config["base"], config["pair"], 0, seed]).normal()
    own = np.random.default_rng([config["base"], config["pair"], 1 + config["run"], cfg, seed]).normal()
    acc = cfg + math.sqrt(rho) * shared + math.sqrt(1 - rho) * own - config["drop"] * (cfg == 0)
    return {"acc": float(acc)}
"""

SWEEP = """
experiment: model:train
config: {{base: {base}, pair: {pair}, run: {run}, drop: {drop}, rho: {rho}}}
parameters:
  cfg: [{cfgs}]
repeat: {repeats}
metric: {{name: acc, goal: maximize}}
regression: {{}}
"""


def write_file(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def session(project: Path, env: dict[str, str], run: int, pair: int, rho: float, args: argparse.Namespace) -> str:
    """One session (``run`` 0: the baseline, 1: a drop in cfg 0 judged against it); "" or what went wrong."""
    cfgs = ", ".join(str(c) for c in range(args.configs))
    drop = 0.0 if run == 0 else DROP
    text = SWEEP.format(base=args.seed, pair=pair, run=run, drop=drop, rho=rho, cfgs=cfgs, repeats=args.repeats)
    write_file(project / "sweep_gate.yaml", text)
    shutil.rmtree(project / "reports", ignore_errors=True)
    cmd = [*PYTEST, "-q", "sweep_gate.yaml"]
    if run == 1:
        cmd += ["--sweep-baseline", "baseline.csv"]
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
    tail = (proc.stdout + proc.stderr)[-1500:]
    allowed = (0,) if run == 0 else (0, 1)  # 1: a gate failed, as it should when it caught the drop
    if proc.returncode not in allowed or not (project / "reports" / "summary.csv").is_file():
        return f"exit {proc.returncode} ($ cd {project} && {' '.join(cmd)}):\n{tail}"
    if run == 0:
        shutil.copy(project / "reports" / "summary.csv", project / "baseline.csv")
    elif not (project / "reports" / "gates.csv").is_file():
        return "the session wrote no reports/gates.csv"
    return ""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def side_values(rows: list[dict[str, str]]) -> dict[str, dict[int, float]]:
    """A summary.csv's acc values by configuration and seed."""
    values: dict[str, dict[int, float]] = {}
    for row in rows:
        if row.get("sweep", SWEEP_NAME) == SWEEP_NAME:
            values.setdefault(f"cfg:{row['params.cfg']}", {})[int(row["params.seed"])] = float(row["metrics.acc"])
    return values


def compare_pair(project: Path) -> dict[str, Any]:
    """The plugin's gates.csv against ``compare_all`` run directly on the two summary.csv files."""
    from sweep_plugin.records import Metric
    from sweep_plugin.spec import Regression
    from sweep_plugin.verdicts import Sides, compare_all

    rule = Regression(Metric("acc", "maximize"))  # `regression: {}`: tolerance 0, confidence 0.99, pool true
    now, before = (side_values(read_csv(p)) for p in (project / "reports" / "summary.csv", project / "baseline.csv"))
    direct = compare_all({name: Sides.of(now[name], before[name], rule) for name in sorted(now)}, rule)
    gates = {row["configuration"]: row for row in read_csv(project / "reports" / "gates.csv") if row["check"]}
    matched, differences, failed = 0, [], []
    for name, comparison in direct.items():
        row = gates.get(name)
        if row is None or row["check"] != "regression":
            continue
        differences.append(abs(float(row["p_value"]) - comparison.p_value))
        matched += (row["passed"] == "False") == comparison.regressed
        if row["passed"] == "False":
            failed.append(name)
    return {"configs": len(direct), "gates": len(gates), "matched": matched, "dp": differences, "failed": failed}


def sessions(root: Path, snapshot: Path, args: argparse.Namespace) -> tuple[list[str], bool]:
    """``args.sessions`` pairs of sessions; notes, and whether the plugin agreed with the direct computation."""
    env = child_env(snapshot)
    notes: list[str] = []
    agreed = True
    configs = matched = 0
    dp: list[float] = []
    for pair in range(args.sessions):
        name, rho = list(NOISE_MODELS.items())[pair % len(NOISE_MODELS)]
        project = root / f"sessions_{pair}"
        project.mkdir(parents=True)
        write_file(project / "pytest.ini", "[pytest]\n")
        write_file(project / "model.py", MODEL)
        t0 = time.perf_counter()
        problem = session(project, env, 0, pair, rho, args) or session(project, env, 1, pair, rho, args)
        if problem:
            sys.stderr.write(f"session pair {pair}: {problem}\n")
            notes.append(f"sessions: pair {pair} went wrong: {problem.splitlines()[0]}")
            agreed = False
            continue
        found = compare_pair(project)
        ok = found["matched"] == found["configs"] == found["gates"] and max(found["dp"], default=1.0) == 0.0
        agreed &= ok
        configs, matched, dp = configs + found["configs"], matched + found["matched"], dp + found["dp"]
        log(
            f"  session pair {pair} ({name}): baseline, then cfg:0 down {DROP:g} s; gates failed:"
            f" {', '.join(found['failed']) or 'none'}; {found['matched']} of {found['configs']} verdicts as"
            f" compare_all on the summary.csv files, max |p difference| {max(found['dp'], default=math.nan):.3g}"
            f" ({time.perf_counter() - t0:.1f} s)"
        )
    if args.sessions:
        notes.append(
            f"real sessions: {args.sessions} pair(s) of pytest sessions (a baseline, then cfg:0 down {DROP:g} s judged"
            f" with --sweep-baseline; that session exits 1 when a gate fails, as expected): the plugin's"
            f" reports/gates.csv gives the verdicts of compare_all run directly on the two summary.csv files in"
            f" {matched} of {configs} configurations, max |p-value difference| {max(dp, default=math.nan):.3g}"
            f" -> {'PASS' if agreed else 'MISS'}"
        )
    return notes, agreed


# ----------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 runs per case and 1 session pair")
    parser.add_argument("--runs", type=int, default=None, help="simulated CI runs per case (default 2000)")
    parser.add_argument("--configs", type=int, default=4, help="configurations per sweep (default 4)")
    parser.add_argument("--repeats", type=int, default=8, help="repeats a side (default 8)")
    parser.add_argument("--seed", type=int, default=20240611, help="seed of numpy's Generator")
    parser.add_argument("--sessions", type=int, default=None, help="pairs of real pytest sessions (default 3, 0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the temp projects (path printed)")
    args = parser.parse_args(argv)
    args.runs = args.runs or (500 if args.quick else 2000)
    args.sessions = args.sessions if args.sessions is not None else (1 if args.quick else 3)
    if args.runs < 2 or args.configs < 1 or args.repeats < 2 or args.sessions < 0:
        parser.error("needs --runs >= 2, --configs >= 1, --repeats >= 2, --sessions >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_options(argv)
    command = " ".join(["python benchmarks/bench_gate.py", *(sys.argv[1:] if argv is None else argv)])
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="sweep_bench_gate_"))
    snapshot = snapshot_plugin(root)
    import sweep_plugin.verdicts.regression

    if not Path(sweep_plugin.verdicts.regression.__file__).is_relative_to(snapshot):
        raise SystemExit(
            f"sweep_plugin imported from {sweep_plugin.verdicts.regression.__file__}, not the copy in {snapshot}"
        )
    log(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; sweep_plugin judged from a copy in {snapshot}")
    log(
        f"{args.runs} simulated CI runs per case; a run: {args.configs} configurations x {args.repeats} repeats a"
        f" side, seeds 0..{args.repeats - 1} on both sides (paired), noise s = 1; confidence {CONFIDENCE};"
        f" numpy seed {args.seed}"
    )
    rng = np.random.default_rng(args.seed)
    rows: list[Row] = []
    checks: list[Check] = []
    notes: list[str] = []
    for name, rho in NOISE_MODELS.items():
        model_rows, model_checks, model_notes = noise_model(name, rho, rng, args)
        rows += model_rows
        checks += model_checks
        notes += model_notes
    agreed = True
    if args.sessions:
        log(f"real sessions in {root}")
        session_notes, agreed = sessions(root, snapshot, args)
        notes += session_notes
    reference = stats.norm.sf(stats.norm.ppf(CONFIDENCE) - DROP / math.sqrt(2 / args.repeats))
    notes += [
        "ours: every verdict is compare_all's, with the real Regression/Sides classes, one call per simulated run",
        f"the fixed margins are tuned with knowledge of the true noise (the 99th percentile of their loss over"
        f" the simulated no-change runs of the same noise model): an oracle users do not have; at noise"
        f" {LOUDER:g} s (last column) the same margins are applied unchanged; ours has no margin to tune",
        f"false alarms / run: the share of CI runs in which at least one of the {args.configs} unchanged gates"
        f" failed; each gate is held to 1%, so a sweep of {args.configs} configurations sees about"
        f" {100 * (1 - CONFIDENCE**args.configs):.1f}% of its runs with a false alarm somewhere",
        f"the z-test row is the limit for a test that knew s exactly: norm.sf(z_0.99 - {DROP:g} / sqrt(2 (1 - rho)"
        f" / {args.repeats})), {100 * reference:.1f}% for independent noise",
        "targets, ours with pool=true (the SE allows for sampling noise: the larger of the estimate's own SE and"
        " the SE of a 1% rate over the same number of verdicts):",
        *(f"  {check}" for check in checks),
    ]
    status = 0 if all(check.met for check in checks) and agreed else 1
    notes.append(f"took {time.perf_counter() - started:.0f} s")
    print("\n" + text_table(rows))
    for note in notes:
        print(f"note: {note}")
    print(f"\n<!-- {command} -->")
    print(markdown_table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    if args.keep:
        print(f"\nprojects kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{'all targets met' if status == 0 else 'a target was missed'} (exit status {status})")
    return status


if __name__ == "__main__":
    sys.exit(main())

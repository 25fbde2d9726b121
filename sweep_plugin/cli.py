"""Command line: ``python -m sweep_plugin report REPORT.json [...] --out DIR``.

Rebuilds the whole sweep report (CSVs, best.yaml, plots, index.html) from
pytest-json-report files alone, e.g. after CI shards uploaded theirs.
A missing or invalid input file, or a report file that could not be
written, is one line on stderr and exit status 1; so is a gate that fails
over the merged repeats (a ``FAILED`` line each); usage errors are
argparse's (exit status 2).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

PROG = "python -m sweep_plugin"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tools for sweep_plugin, the pytest plugin that runs parameter sweeps as tests.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    report = commands.add_parser(
        "report",
        help="Rebuild the sweep report from pytest-json-report files",
        description=(
            "Rebuild the sweep report (summary.csv, one folder per sweep with trials.csv, "
            "history.csv, param_stats.csv, analysis.csv, best.yaml and plots, and a "
            "self-contained index.html) from one or more report.json files written by "
            "pytest --json-report. Several files (e.g. CI shards) are merged; a trial "
            "present in several keeps the result of the newest report."
        ),
    )
    report.add_argument("reports", nargs="+", metavar="REPORT.json", help="pytest-json-report file(s) to read")
    report.add_argument(
        "--out", default="reports", metavar="DIR", help="Folder to write the report to (default: reports)"
    )
    report.add_argument(
        "--baseline",
        metavar="PATH",
        type=Path,
        help="summary.csv of an earlier run, for the sweeps' regression gates (as --sweep-baseline)",
    )
    report.add_argument(
        "--history",
        metavar="DIR",
        type=Path,
        help="Folder of nightly summary CSVs (<date>[-<commit>].csv): adds trends across nights",
    )
    show = commands.add_parser(
        "show",
        help="Show a report in the terminal",
        description=(
            "Show what index.html shows first, from the report folder's report.json: per sweep the "
            "outcomes, the best trial, the top trials, the parameter importances and the failed "
            "trials with their messages, then the gates."
        ),
    )
    show.add_argument("report_dir", nargs="?", default="reports", metavar="REPORT_DIR", help="(default: reports)")
    show.add_argument("--sweep", metavar="NAME", help="Show this sweep only")
    show.add_argument("--json", action="store_true", help="Print the same as one JSON document, for scripts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "show":
        return show(Path(args.report_dir), args.sweep, args.json)
    from .report import ReportError, SweepReportWarning, load_reports, summary_lines, write_report

    gates: list[dict[str, Any]] = []
    try:
        records = load_reports(args.reports, gates)
    except ReportError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    if not records:
        print(f"{PROG}: error: no sweep trials in {', '.join(args.reports)}", file=sys.stderr)
        return 1
    gates = _gates_of_all_shards(records, gates, args.baseline)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SweepReportWarning)
        try:
            with _progress(records) as progress:
                merged = _merged_json(records, gates)
                write_report(records, args.out, merged, gates=gates, progress=progress, history=args.history)
        except OSError as exc:
            print(f"{PROG}: error: cannot write to {args.out}: {exc}", file=sys.stderr)
            return 1
    print("\n".join([*summary_lines(records, args.out), *gate_lines(gates)]))
    problems = [w for w in caught if issubclass(w.category, SweepReportWarning)]
    for warning in problems:
        print(f"{PROG}: error: {warning.message}", file=sys.stderr)
    failed_gates = any(gate.get("outcome") == "failed" for gate in gates)
    return 1 if problems or failed_gates else 0


def gate_lines(gates: Sequence[dict[str, Any]]) -> list[str]:
    """``gates: 3 judged: 2 passed, 1 failed``, then a ``FAILED`` line per failed gate, as pytest would print it.

    A merged report judges the gates again over every shard's repeats: a failed one fails the merge (exit 1),
    so a nightly never promotes a failing baseline.
    """
    if not gates:
        return []
    outcomes = [str(gate.get("outcome")) for gate in gates]
    shown = ", ".join(f"{outcomes.count(o)} {o}" for o in ("passed", "failed", "skipped") if o in outcomes)
    lines = [f"gates: {len(gates)} judged: {shown}"]
    for gate in gates:
        if gate.get("outcome") == "failed":
            message = str(gate.get("message") or "").strip().splitlines()
            lines.append(f"FAILED {gate.get('nodeid')} - {message[0] if message else 'failed'}")
    return lines


def _gates_of_all_shards(
    records: list[Any], gates: list[dict[str, Any]], baseline: Path | None
) -> list[dict[str, Any]]:
    """The gates judged again over the merged repeats, where the sweep files are here; else as the reports say."""
    from .verdicts import BaselineError, judge_merged, load_baseline

    try:
        loaded = load_baseline(baseline) if baseline else None
    except BaselineError as exc:
        raise SystemExit(f"{PROG}: error: --sweep-baseline: {exc}") from None
    judged = {gate.nodeid: gate.as_record() for gate in judge_merged(records, loaded, Path.cwd())}
    kept = {gate.get("nodeid"): gate for gate in gates if gate.get("nodeid") not in judged}
    return [*kept.values(), *judged.values()]


def _merged_json(records: list[Any], gates: list[dict[str, Any]]) -> str:
    """report.json of the merged report: each trial and gate a test with its record as metadata, as the
    plugin writes them, so that ``show`` and ``report`` read it like a session's."""
    import time

    tests = [{"nodeid": r["nodeid"], "outcome": r["outcome"], "metadata": r} for r in records]
    tests += [{"nodeid": g.get("nodeid"), "outcome": g.get("outcome"), "metadata": g} for g in gates]
    return json.dumps({"created": time.time(), "merged": True, "tests": tests}, default=str)


LARGE = 2000  # trials from which `report` shows its progress


@contextlib.contextmanager
def _progress(records: Sequence[Any]) -> Iterator[Callable[[str], None] | None]:
    """A progress bar over the sweeps on stderr for a large report, else nothing."""
    if len(records) < LARGE:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    sweeps = len({(r.get("file"), r.get("sweep")) for r in records})
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{len(records)} trials", total=sweeps)

        def advance(name: str) -> None:
            bar.update(task, advance=1, description=f"{len(records)} trials: {name}")

        yield advance


def show(report_dir: Path, sweep: str | None, as_json: bool) -> int:
    from rich.console import Console

    from .report import ReportError
    from .report.show import render, summaries

    try:
        summary = summaries(report_dir, sweep)
    except ReportError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    if sweep is not None and not summary["sweeps"]:
        print(f"{PROG}: error: no sweep named {sweep!r} in {report_dir}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        render(summary, Console())
    return 0

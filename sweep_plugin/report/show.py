"""``python -m sweep_plugin show [REPORT_DIR]``: what index.html shows first, in the terminal.

Per sweep: the outcomes, the best trial, the top trials, the parameter
importances and the failed trials with their messages; then the gates. Read
from the report folder's report.json alone; ``--json`` gives the same as one
JSON document for scripts. Drawn with Rich, which also fits the tables to
the terminal's width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ids import short_names
from ..records import FINISHED, Outcome
from ..records.reports import load_reports
from .grouping import Sweep, failed_first, gate_checks, group_sweeps, outcome_counts, ranked

if TYPE_CHECKING:
    from .analysis import SweepData

TOP_N = 10
PROBLEMS = (Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.CRASHED)
OUTCOME_STYLES = {
    "passed": "green",
    "failed": "dark_orange",
    "error": "red",
    "timeout": "magenta",
    "crashed": "bright_black",
    "pruned": "grey50",
    "skipped": "grey62",
}


def escape(text: str) -> str:
    """``text`` shown as it is: Rich reads ``[...]`` in a string as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def summaries(report_dir: Path, sweep: str | None = None) -> dict[str, Any]:
    """The report's content as plain data: one entry per sweep (``sweep``: that one only), and the gates."""
    from .analysis import analyse

    gates: list[dict[str, Any]] = []
    records = load_reports([report_dir / "report.json"], gates)
    sweeps = [s for s in group_sweeps(records) if sweep is None or s.name == sweep]
    return {
        "report": str(report_dir),
        "sweeps": [_summary(s, analyse(s)) for s in sweeps],
        "gates": [g for g in gates if sweep is None or g.get("sweep") == sweep],
    }


def _summary(sweep: Sweep, data: SweepData) -> dict[str, Any]:
    metric = sweep.metric
    top = ranked([r for r in sweep.records if r["outcome"] in FINISHED], metric)[:TOP_N]
    importance = {
        str(row["parameter"]): float(row["importance"])
        for _, row in data.table.iterrows()
        if isinstance(row["importance"], int | float) and math.isfinite(row["importance"])
    }
    return {
        "name": sweep.name,
        "file": sweep.file,
        "trials": len(sweep.records),
        "outcomes": outcome_counts(sweep.records),
        "metric": metric.as_dict() if metric else None,
        "best": _trial(*top[0]) if top else None,
        "top": [_trial(value, record) for value, record in top],
        "importance": dict(sorted(importance.items(), key=lambda item: -item[1])),
        "importance_note": data.importance.note,
        "problems": [
            {"trial": r["trial"], "outcome": r["outcome"], "message": r.get("message") or ""}
            for r in sweep.records
            if r["outcome"] in PROBLEMS
        ],
    }


def _trial(value: float, record: Mapping[str, Any]) -> dict[str, Any]:
    return {"trial": record["trial"], "value": value, "outcome": record["outcome"], "params": dict(record["params"])}


def render(summary: Mapping[str, Any], console: Any) -> None:
    """Draw ``summaries``'s result on a Rich console."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    if not summary["sweeps"]:
        console.print(f"no sweep trials in {summary['report']}")
    failed_gates = any(gate.get("outcome") == "failed" for gate in summary["gates"])
    if failed_gates:  # failures first: the gates that failed before any sweep's table
        console.print(_gates_table(summary["gates"], Table))
    for sweep in summary["sweeps"]:
        outcomes = Text("  ").join(
            Text(f"{count} {outcome}", style=OUTCOME_STYLES.get(outcome, ""))
            for outcome, count in sweep["outcomes"].items()
        )
        head = Text.assemble((sweep["name"], "bold"), f"  {sweep['file']}  {sweep['trials']} trials  ", outcomes)
        metric = sweep["metric"]
        parts: list[Any] = [head]
        for problem in sweep["problems"][:TOP_N]:  # failures first, with their messages
            style = OUTCOME_STYLES.get(problem["outcome"], "")
            first = problem["message"].strip().splitlines()[0] if problem["message"].strip() else ""
            parts.append(Text.assemble((f"{problem['outcome'].upper():8}", style), f" {problem['trial']}  {first}"))
        if len(sweep["problems"]) > TOP_N:
            parts.append(Text(f"... and {len(sweep['problems']) - TOP_N} more", style="grey50"))
        if sweep["best"] and metric:
            best = sweep["best"]
            parts.append(
                Text.assemble("best ", (best["trial"], "bold cyan"), f"  {metric['name']} = {best['value']:.6g}")
            )
        if sweep["top"] and metric:
            parts.append(_top_table(sweep, metric, Table))
        if sweep["importance"]:
            parts.append(_importance_table(sweep["importance"], Table))
        if sweep["importance_note"]:
            parts.append(Text(sweep["importance_note"], style="grey50"))
        console.print(Panel(Group(*parts), expand=True))
    if summary["gates"] and not failed_gates:
        console.print(_gates_table(summary["gates"], Table))


def _top_table(sweep: Mapping[str, Any], metric: Mapping[str, Any], table_type: Any) -> Any:
    """The top trials, one column per parameter that differs among them, headed by its short name (as in ids):
    narrow enough for 80 columns, with no header cut."""
    top = sweep["top"]
    names = sorted({name for trial in top for name in trial["params"]})
    varying = [name for name in names if len({_cell(trial["params"].get(name)) for trial in top}) > 1]
    heads = short_names(varying)
    title = escape(f"top {len(top)} by {metric['name']} ({metric['goal']})")
    table = table_type(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("trial", overflow="fold")
    table.add_column("outcome", no_wrap=True)
    table.add_column(escape(metric["name"]), justify="right", no_wrap=True, min_width=len(metric["name"]))
    for name in varying:
        table.add_column(escape(heads[name]), justify="right", min_width=len(heads[name]))
    for rank, trial in enumerate(top, 1):
        cells = [escape(_cell(trial["params"].get(name))) for name in varying]
        outcome = f"[{OUTCOME_STYLES.get(trial['outcome'], '')}]{escape(trial['outcome'])}[/]"
        table.add_row(str(rank), escape(trial["trial"]), outcome, f"{trial['value']:.6g}", *cells)
    same = [f"{name}={_cell(top[0]['params'].get(name))}" for name in names if name not in varying]
    if same:
        table.caption = escape("the same in all of them: " + ", ".join(same))
        table.caption_justify = "left"
    return table


def _importance_table(importance: Mapping[str, float], table_type: Any) -> Any:
    table = table_type(title="parameter importance", title_justify="left")
    table.add_column("parameter")
    table.add_column("share", justify="right")
    table.add_column("")
    for name, share in importance.items():
        table.add_row(escape(name), f"{share:.0%}", "\u2588" * max(1, round(share * 30)) if share > 0 else "")
    return table


def _gates_table(gates: Sequence[Mapping[str, Any]], table_type: Any) -> Any:
    table = table_type(title="gates", title_justify="left")
    table.add_column("sweep")
    table.add_column("configuration", overflow="fold")
    table.add_column("gate")
    table.add_column("checks", overflow="fold")
    for gate in failed_first(gates):
        outcome = str(gate.get("outcome"))
        checks = gate_checks(gate)
        lines = escape("\n".join(f"{c.get('check')}: {c.get('detail')}".strip(": ") for c in checks))
        style = {"failed": "red", "passed": "green"}.get(outcome, "grey50")
        sweep, configuration = escape(str(gate.get("sweep"))), escape(str(gate.get("configuration")))
        table.add_row(sweep, configuration, f"[{style}]{escape(outcome)}[/]", lines)
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)

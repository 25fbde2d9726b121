"""index.html: one self-contained page for all sweeps of a report.

Self-contained means it opens from a CI artifact or an e-mail attachment
with no network: CSS is inline, plots are inlined as base64 ``data:`` URIs,
and there is no JavaScript (collapsible parts are ``<details>``). Only the
links to the CSV files are relative, so they work next to the report folder.
"""

from __future__ import annotations

import base64
import datetime as _dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from ..records import Outcome
from .analysis import SweepData, fmt
from .figures import OUTCOME_COLORS
from .grouping import failed_first, gate_checks, outcome_counts, ranked
from .importance import NOISE, Importance

TOP_N = 10
MAX_PROBLEMS = 50
MESSAGE_LIMIT = 3000
_SEVERITY = {"error": 0, "crashed": 1, "timeout": 2, "failed": 3, "pruned": 4}

CSS = """
:root { --fg:#212121; --muted:#616161; --line:#e0e0e0; --bg:#fafafa; --accent:#1565c0; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
       color:var(--fg); background:var(--bg); }
main { max-width:1280px; margin:0 auto; padding:24px 28px 60px; }
h1 { font-size:24px; margin:0 0 4px; }
h2 { font-size:20px; margin:40px 0 4px; padding-top:12px; border-top:2px solid var(--line); }
h3 { font-size:15px; margin:22px 0 8px; color:#37474f; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
.muted { color:var(--muted); font-size:12.5px; }
.card { background:white; border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin:10px 0; }
.failures { border-left:4px solid #c62828; } .failures h2 { margin:0; padding:0; border:none; }
.failures h3 { margin:12px 0 6px; }
table { border-collapse:collapse; background:white; font-size:13px; margin:6px 0; }
th, td { padding:4px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#f1f3f4; font-weight:600; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr:nth-child(even) td { background:#fcfcfc; }
.scroll { overflow-x:auto; max-width:100%; }
.badge { display:inline-block; padding:1px 8px; margin:0 4px 2px 0; border-radius:10px; color:white;
         font-size:12px; font-weight:600; white-space:nowrap; }
.best { font-size:15px; } .best code { font-size:14px; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
pre { white-space:pre-wrap; word-break:break-word; background:#263238; color:#eceff1; padding:10px 12px;
      border-radius:6px; font-size:12px; max-height:360px; overflow:auto; }
.plots { display:grid; grid-template-columns:repeat(auto-fill,minmax(480px,1fr)); gap:14px; }
.plots figure { margin:0; background:white; border:1px solid var(--line); border-radius:8px; padding:6px; }
.plots figure.wide { grid-column:1 / -1; }
.plots img { max-width:100%; height:auto; display:block; margin:0 auto; }
.bar { display:inline-block; height:10px; background:var(--accent); border-radius:2px; vertical-align:middle; }
details summary { cursor:pointer; color:var(--accent); margin:6px 0; }
"""


def render_index(
    sweeps: Sequence[tuple[SweepData, Mapping[str, bytes]]],
    notes: Sequence[str] = (),
    gates: Sequence[Mapping[str, Any]] = (),
    gate_images: Mapping[str, bytes] | None = None,
    trends: tuple[Sequence[Any], Mapping[str, bytes]] = ((), {}),
) -> str:
    """The whole page: overview, the gates, then one section per sweep with its plots (PNG bytes by file name)."""
    total = sum(len(data.trials) for data, _ in sweeps)
    stamp = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Sweep report ({total} trials)</title><style>{CSS}</style></head><body><main>",
        "<h1>Sweep report</h1>",
        f'<div class="muted">{len(sweeps)} sweep{_s(len(sweeps))}, {total} trial{_s(total)}{_carried(sweeps)}; '
        f"generated {escape(stamp)}</div>",
    ]
    if notes:
        parts.append(
            '<div class="card"><b>Report notes</b><ul>'
            + "".join(f"<li>{escape(n)}</li>" for n in notes)
            + "</ul></div>"
        )
    if not sweeps:
        parts.append('<div class="card">No sweep trials were recorded.</div>')
    else:
        parts.append(_failures(sweeps, gates))  # first: what needs fixing, before any plot
        parts.append(_overview(sweeps))
        parts.append(_gates(gates, gate_images or {}))
        parts.append(_trends(*trends))
        parts.extend(_section(data, images) for data, images in sweeps)
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _gates(gates: Sequence[Mapping[str, Any]], images: Mapping[str, bytes]) -> str:
    """Every configuration's gate, failed first, with each check's figures; the intervals as plots."""
    if not gates:
        return ""
    rows = []
    for gate in failed_first(gates):
        outcome = str(gate.get("outcome"))
        badge = (
            f'<span class="badge" style="background:{OUTCOME_COLORS.get(outcome, "#9e9e9e")}">{escape(outcome)}</span>'
        )
        checks = gate_checks(gate)
        lines = "<br>".join(
            f"<code>{escape(str(c.get('check') or ''))}</code>{' &rarr; ' if c.get('check') else ''}"
            f"{escape(str(c.get('detail') or ''))}"
            for c in checks
        )
        rows.append(
            f"<tr><td>{escape(str(gate.get('sweep')))}</td><td><code>{escape(str(gate.get('configuration')))}</code>"
            f"</td><td>{badge}</td><td class=num>{len(gate.get('trials') or ())}</td><td>{lines}</td></tr>"
        )
    head = "<tr><th>sweep</th><th>configuration</th><th>gate</th><th>repeats</th><th>checks</th></tr>"
    failed = sum(1 for gate in gates if gate.get("outcome") == Outcome.FAILED)
    summary = f"{len(gates)} gate{_s(len(gates))}, {failed} failed" + ' &middot; <a href="gates.csv">gates.csv</a>'
    return (
        f'<h2 id="gates">Gates</h2><div class="muted">{summary}</div>'
        f'<div class="scroll"><table>{head}{"".join(rows)}</table></div>{_plots(images)}'
    )


def _trends(found: Sequence[Any], images: Mapping[str, bytes]) -> str:
    """Each sweep's metric over the kept nights, and the step changes found in its configurations."""
    if not found:
        return ""
    steps = [step for trend in found for step in trend.steps]
    rows = "".join(
        f"<tr><td>{escape(s['sweep'])}</td><td><code>{escape(s['configuration'])}</code></td>"
        f"<td>{escape(s['night'])}</td><td><code>{escape(s['commit'][:10])}</code></td>"
        f"<td class=num>{s['before']:.4g} \u2192 {s['after']:.4g}</td><td>{escape(s['direction'])}</td></tr>"
        for s in steps
    )
    head = "<tr><th>sweep</th><th>configuration</th><th>from night</th><th>commit</th><th>level</th><th></th></tr>"
    table = f'<div class="scroll"><table>{head}{rows}</table></div>' if steps else "<p>No step change found.</p>"
    nights = max(len(trend.nights) for trend in found)
    summary = f"{nights} night{_s(nights)}, {len(steps)} step change{_s(len(steps))}"
    link = ' &middot; <a href="trends.csv">trends.csv</a>'
    return f'<h2 id="trends">Trends</h2><div class="muted">{summary}{link}</div>{table}{_plots(images)}'


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _badges(records: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f'<span class="badge" style="background:{OUTCOME_COLORS.get(o, "#9e9e9e")}">{n} {escape(o)}</span>'
        for o, n in outcome_counts(records).items()
    )


def _best_text(data: SweepData) -> str:
    if data.metric is None:
        return '<span class="muted">no metric</span>'
    if data.best is None:
        return f'<span class="muted">no finished trial with {escape(data.metric.name)}</span>'
    value, rec = data.best
    guess = f' <span class="muted">({escape(data.metric.guess_note)})</span>' if data.metric.is_guess else ""
    return f"<code>{escape(str(rec['trial']))}</code> {escape(data.metric.name)}=<b>{value:.6g}</b>{guess}"


def _overview(sweeps: Sequence[tuple[SweepData, Mapping[str, bytes]]]) -> str:
    rows = "".join(
        f'<tr><td><a href="#{escape(data.sweep.folder)}">{escape(data.sweep.name)}</a></td>'
        f"<td><code>{escape(data.sweep.file)}</code></td><td class=num>{len(data.trials)}</td>"
        f"<td>{_badges(data.sweep.records)}</td><td>{_best_text(data)}</td></tr>"
        for data, _ in sweeps
    )
    head = "<tr><th>sweep</th><th>file</th><th>trials</th><th>outcomes</th><th>best</th></tr>"
    return f'<div class="scroll"><table>{head}{rows}</table></div>'


def _section(data: SweepData, images: Mapping[str, bytes]) -> str:
    sweep = data.sweep
    links = " &middot; ".join(
        f'<a href="{escape(sweep.folder)}/{name}">{name}</a>'
        for name in ("trials.csv", "history.csv", "param_stats.csv", "analysis.csv", "best.yaml")
    )
    parts = [
        f'<h2 id="{escape(sweep.folder)}">{escape(sweep.name)}</h2>',
        f'<div class="muted"><code>{escape(sweep.file)}</code> &middot; {links}</div>',
        f'<div style="margin-top:8px">{_badges(sweep.records)}</div>',
        _best_card(data),
        _top_table(data),
        _plots(images),
        _analysis_table(data),
        _stats_details(data),
    ]
    return "\n".join(p for p in parts if p)


def _best_card(data: SweepData) -> str:
    body = f'<div class="best">Best trial: {_best_text(data)}</div>'
    if data.best is not None:
        rec = data.best[1]
        body += f'<div class="muted">{escape(str(rec["nodeid"]))}</div>'
        if rec["params"]:
            cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(fmt(v))}</td></tr>" for k, v in rec["params"].items())
            body += f"<table>{cells}</table>"
    return f'<div class="card">{body}</div>'


def _top_table(data: SweepData) -> str:
    top = ranked(data.sweep.records, data.metric)[:TOP_N]
    if not top or data.metric is None:
        return ""
    params = data.params
    head = "<tr><th>#</th><th>trial</th><th>outcome</th>" + f"<th>{escape(data.metric.name)}</th>"
    head += "".join(f"<th>{escape(p)}</th>" for p in params) + "<th>duration (s)</th></tr>"
    rows = []
    for i, (value, rec) in enumerate(top, 1):
        cells = "".join(f"<td>{escape(fmt(rec['params'].get(p, '')))}</td>" for p in params)
        duration = rec.get("duration_s")
        rows.append(
            f"<tr><td class=num>{i}</td><td><code>{escape(str(rec['trial']))}</code></td>"
            f"<td>{escape(rec['outcome'])}</td><td class=num>{value:.6g}</td>{cells}"
            f"<td class=num>{'' if duration is None else f'{duration:.3g}'}</td></tr>"
        )
    title = f"<h3>Top {len(top)} by {escape(data.metric.name)} ({escape(data.metric.goal.value)})</h3>"
    return f'{title}<div class="scroll"><table>{head}{"".join(rows)}</table></div>'


def _plots(images: Mapping[str, bytes]) -> str:
    if not images:
        return ""
    figures = "".join(_figure(name, png) for name, png in images.items())
    return f'<h3>Plots</h3><div class="plots">{figures}</div>'


def _figure(name: str, png: bytes) -> str:
    """An inlined PNG, shown no larger than drawn; wide ones span the whole row."""
    width = int.from_bytes(png[16:20], "big") if png[12:16] == b"IHDR" else 0
    wide = ' class="wide"' if width > 900 else ""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure{wide}><img alt="{escape(name)}" title="{escape(name)}" src="data:image/png;base64,{data}"></figure>'
    )


def _carried(sweeps: Sequence[tuple[SweepData, Mapping[str, bytes]]]) -> str:
    """`` (2 run now, 38 from earlier sessions: …)``: a continuation's page says what it ran and what it shows."""
    records = [rec for data, _ in sweeps for rec in data.sweep.records]
    carried = sorted(rec["carried"] for rec in records if rec.get("carried"))
    if not carried:
        return ""
    run_now = sum(1 for rec in records if not rec.get("carried") and not rec.get("resumed"))
    sessions = {text.rpartition("session ")[2] for text in carried}
    where = carried[-1] if len(sessions) == 1 else f"{len(sessions)} sessions, the last {carried[-1]}"
    return f" ({run_now} run now, {len(carried)} from earlier sessions: {escape(where)})"


def _analysis_table(data: SweepData) -> str:
    table = data.table
    if table.empty or data.metric is None or not len(data.y):
        return ""
    found = data.importance
    rows = "".join(_analysis_row(row, found) for row in table.to_dict("records"))
    head = (
        "<tr><th>parameter</th><th>scale</th><th>values</th><th>importance</th>"
        f"<th>best value (mean {escape(data.metric.name)})</th><th>tipping point (change in mean)</th></tr>"
    )
    how = (
        "share of the metric's variance between its values (one-way ANOVA, bias-corrected \u03b5\u00b2)"
        if found.method == "anova"
        else "how differently its values lie among the best trials than among all (Optuna's PED-ANOVA)"
    )
    note = (
        f'<div class="muted">Importance: {how}, as a share of all parameters\u2019; grey where chance, with the '
        "metric shuffled across trials, does as well. Tipping point: the neighbouring values between which the "
        "mean metric changes most.</div>"
    )
    said = f"<p>{escape(found.note)}.</p>" if found.note else ""
    return f'<h3>Parameters</h3>{said}<div class="scroll"><table>{head}{rows}</table></div>{note}'


def _analysis_row(row: Mapping[Any, Any], found: Importance) -> str:
    param = str(row["parameter"])
    best = "" if pd.isna(row.get("best_value")) else f"{escape(fmt(row['best_value']))} ({row['best_mean']:.4g})"
    tip = ""
    if not pd.isna(row.get("tipping_delta")):
        tip = (
            f"{escape(fmt(row['tipping_from']))} \u2192 {escape(fmt(row['tipping_to']))} ({row['tipping_delta']:+.4g})"
        )
    return (
        f"<tr><td>{escape(param)}</td><td>{escape(str(row['scale']))}</td>"
        f"<td class=num>{row['groups']}</td><td class=num>{_share(param, row, found)}</td>"
        f"<td>{best}</td><td>{tip}</td></tr>"
    )


def _share(param: str, row: Mapping[Any, Any], found: Importance) -> str:
    """A share with its bar; the noise for ``seed``; a dash while nothing is ranked."""
    if param == NOISE and found.noise is not None:
        return f"noise {found.noise:.0%}"
    if pd.isna(row.get("importance")):
        return "\u2013"
    share = float(row["importance"])
    grey = "" if found.stands_out(param) else ";background:#bdbdbd"
    return f'<span class="bar" style="width:{share * 80:.0f}px{grey}"></span> {share:.0%}'


def _stats_details(data: SweepData) -> str:
    if data.stats.empty:
        return ""
    frame = data.stats.copy()
    frame["value"] = frame["value"].map(fmt)
    table = frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.4g}")
    summary = "<summary>Metric by parameter value (param_stats.csv)</summary>"
    return f'<details>{summary}<div class="scroll">{table}</div></details>'


def _failures(sweeps: Sequence[tuple[SweepData, Mapping[str, bytes]]], gates: Sequence[Mapping[str, Any]]) -> str:
    """The first thing on the page: the trials that failed, errored, crashed or timed out, with their messages
    (the missed ``expect``, the tail of stderr), then the failed gates; nothing when all passed."""
    tables = [table for data, _ in sweeps if (table := _problems(data))]
    failed_gates = [gate for gate in gates if gate.get("outcome") == Outcome.FAILED]
    if failed_gates:
        items = "".join(
            f"<li><code>{escape(str(gate.get('nodeid')))}</code>: {escape(_first_line(gate.get('message')))}</li>"
            for gate in failed_gates
        )
        tables.append(f'<h3>Failed gates ({len(failed_gates)}): <a href="#gates">details</a></h3><ul>{items}</ul>')
    if not tables:
        return ""
    return '<div class="card failures"><h2 id="failures">Failures</h2>' + "\n".join(tables) + "</div>"


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0] if lines else ""


def _problems(data: SweepData) -> str:
    bad = [rec for rec in data.sweep.records if rec["outcome"] not in (Outcome.PASSED, Outcome.SKIPPED, Outcome.PRUNED)]
    bad.sort(key=lambda rec: _SEVERITY.get(rec["outcome"], 0))  # stable: test order within an outcome
    if not bad:
        return ""
    items = [_problem_row(rec) for rec in bad[:MAX_PROBLEMS]]
    more = (
        f'<div class="muted">and {len(bad) - MAX_PROBLEMS} more in trials.csv</div>' if len(bad) > MAX_PROBLEMS else ""
    )
    head = "<tr><th>trial</th><th>outcome</th><th>message</th></tr>"
    where = f'<a href="#{escape(data.sweep.folder)}">{escape(data.sweep.name)}</a>'
    title = f"<h3>{where}: {len(bad)} trial{_s(len(bad))} did not pass</h3>"
    return f'{title}<div class="scroll"><table>{head}{"".join(items)}</table></div>{more}'


def _problem_row(rec: Mapping[str, Any]) -> str:
    message = str(rec.get("message") or "").strip()
    lines = message.splitlines()
    first = escape(lines[-1] if lines else "")
    if len(lines) > 1:
        first += f"<details><summary>full message</summary><pre>{escape(message[-MESSAGE_LIMIT:])}</pre></details>"
    color = OUTCOME_COLORS.get(rec["outcome"], "#9e9e9e")
    return (
        f"<tr><td><code>{escape(str(rec['trial']))}</code></td>"
        f'<td><span class="badge" style="background:{color}">{escape(rec["outcome"])}</span></td><td>{first}</td></tr>'
    )

"""Other tools' search-space functions in a parameter value: a sweep written for Ray Tune or Optuna, never a string.

``lr: uniform(0.0, 0.5)`` is Ray Tune's space, not Hydra's grammar; read as
Hydra reads values it would be the constant text "uniform(0.0, 0.5)", a
sweep that silently does not sweep. It is an error naming the form to write.
"""

from __future__ import annotations

import re

from ..errors import SweepError

# Other tools' search-space functions (Ray Tune's, Optuna's suggest_*): a sweep, never a constant string.
FOREIGN = {
    "uniform": "interval(a, b)",
    "quniform": "interval(a, b), or {distribution: q_uniform, min: a, max: b, q: q}",
    "loguniform": "tag(log, interval(a, b))",
    "qloguniform": "{distribution: q_log_uniform_values, min: a, max: b, q: q}",
    "randint": "range(a, b), or interval(a, b) with int bounds",
    "qrandint": "range(a, b, q)",
    "lograndint": "tag(log, interval(a, b)) with int bounds",
    "randn": "{distribution: normal, mu: m, sigma: s}",
    "normal": "{distribution: normal, mu: m, sigma: s}",
    "grid_search": "a,b,c or choice(a, b, c) (a grid axis)",
    "suggest_float": "interval(a, b) (with log=True: tag(log, interval(a, b)))",
    "suggest_int": "range(a, b), or interval(a, b) with int bounds",
    "suggest_categorical": "choice(a, b, c)",
    "sample_from": "a sweep file's parameters: (a function of other parameters is not a space)",
}
FOREIGN_CALL = re.compile(r"(?:(tune|optuna|trial|hp)\.)?([A-Za-z_]\w*)[ \t]*\(")
PREFIXED = {"choice": "choice(a, b, c), without the prefix", "grid_search": FOREIGN["grid_search"]}


def refuse_foreign(text: str, shown: str, keep: str) -> None:
    """`SweepError` if ``text`` is a call of another tool's space function (``uniform(...)``, ``tune.choice(...)``)."""
    call = FOREIGN_CALL.match(text)
    if call is None:
        return
    prefix, name = call.group(1), call.group(2)
    write = FOREIGN.get(name) or (PREFIXED.get(name) if prefix else None)
    if write:
        raise SweepError(
            f"{shown} is not Hydra's sweeper grammar ({call.group(0)[:-1]}() is another tool's): write {write}; {keep}"
        )

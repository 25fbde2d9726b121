"""The small safe expression language of ``constraints``, ``expect`` and ``gate``.

Python's ``ast`` parses the text; a whitelist checks the tree when the sweep
file is collected (`check`), and a tree walker of our own evaluates it
(`evaluate`). Nothing is ever handed to ``eval``/``compile``, so a sweep file
cannot run code.

A name that is not a Python name (W&B's ``val/f1``, ``val mAP``,
``batch-size``) is written quoted, as the one argument of a reader:
``metric("val/f1")``, ``param("batch-size")``, ``baseline("val/f1")``.
The argument must be a string literal, so a reader is still only a lookup.
"""

from .check import MAX_DEPTH, MAX_EXPONENT
from .expression import MAX_LENGTH, Expression
from .hints import quoting_hint
from .names import (
    AGGREGATES,
    FUNCTIONS,
    READERS,
    EvaluationError,
    Read,
    Scopes,
    dotted_name,
    flat_names,
    param_names,
    quoted,
)

__all__ = [
    "AGGREGATES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "READERS",
    "EvaluationError",
    "Expression",
    "Read",
    "Scopes",
    "dotted_name",
    "flat_names",
    "param_names",
    "quoted",
    "quoting_hint",
]

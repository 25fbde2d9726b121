"""The language's whitelist: one walk of a parsed tree at collection, refusing anything outside it.

Only names, constants, arithmetic, comparisons, ``and``/``or``/``not``, tuples
and lists, and calls of the few functions and readers the language has pass;
the walk also collects the names the expression reads.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from ..errors import SweepError
from .names import AGGREGATES, FUNCTIONS, READERS, Read, dotted_name, is_statistic

MAX_DEPTH = 30
MAX_EXPONENT = 100

BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: math.pow,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_OPERATORS = {ast.MatMult: "@", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}
_DESCRIBED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment",
}


class OperatorRefused(SweepError):
    """An operator outside the language (``recall@5``): the parser adds the quoting hint."""


class Checker:
    """Walks one tree: `reads` collects the names read, `aggregated` (a gate's) those read through a statistic."""

    def __init__(self, text: str, gate: bool = False) -> None:
        self.text = text
        self.reads: dict[Read, None] = {}
        self.aggregated: dict[Read, None] | None = {} if gate else None

    def check(self, node: ast.expr, depth: int = 0) -> None:
        """Refuse ``node`` or anything below it that is outside the language."""
        if depth > MAX_DEPTH:
            raise SweepError(f"expression {self.text!r} is nested deeper than {MAX_DEPTH} levels")
        name = dotted_name(node)
        if name is not None:
            if name in FUNCTIONS:
                raise self._refuse(f"bare function name {name!r}")
            self.reads[Read(None, name)] = None
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
            self._read_quoted(node)
        elif self.aggregated is not None and is_statistic(node):
            assert isinstance(node, ast.Call)
            read = self._statistic_read(node)
            self.reads[read] = self.aggregated[read] = None
        else:
            for child in self._children(node):
                self.check(child, depth + 1)

    def _children(self, node: ast.expr) -> list[ast.expr]:
        """The operands of an allowed operation, or a `SweepError` naming what is not allowed."""
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float | str | bool | None):
                raise self._refuse(f"constant {node.value!r}")
            return []
        if isinstance(node, ast.BoolOp):
            return node.values
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            return [node.operand]
        if isinstance(node, ast.BinOp):
            return self._operands(node)
        if isinstance(node, ast.Compare) and all(type(op) in COMPARE for op in node.ops):
            return [node.left, *node.comparators]
        if isinstance(node, ast.Tuple | ast.List):
            return node.elts
        if isinstance(node, ast.Call):
            return self._call_arguments(node)
        raise self._refuse(_DESCRIBED.get(type(node), type(node).__name__))

    def _operands(self, node: ast.BinOp) -> list[ast.expr]:
        if type(node.op) not in BINARY:  # `recall@5 >= 0.5`: a name with a symbol, most likely
            symbol = _OPERATORS.get(type(node.op), "?")
            raise OperatorRefused(f"operator {symbol} is not allowed in expression {self.text!r}")
        exponent = node.right
        if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub | ast.UAdd):
            exponent = exponent.operand
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(exponent, ast.Constant)
            and isinstance(exponent.value, int | float)
            and abs(exponent.value) > MAX_EXPONENT
        ):
            raise SweepError(f"exponent above {MAX_EXPONENT} in expression {self.text!r}")
        return [node.left, node.right]

    def _call_arguments(self, node: ast.Call) -> list[ast.expr]:
        gate = self.aggregated is not None
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = ast.unparse(node.func)
            names = [*AGGREGATES, *FUNCTIONS, "metric", "param"] if gate else [*FUNCTIONS, *READERS]
            allowed = ", ".join(dict.fromkeys(names))
            hint = "" if gate or called not in AGGREGATES else f" ({called}() of the repeats belongs in `gate:`)"
            raise SweepError(
                f"call of {called!r} is not allowed in expression {self.text!r} (allowed: {allowed}){hint}"
            )
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self._refuse("keyword or starred arguments")
        if not node.args:
            raise SweepError(f"{node.func.id}() needs an argument in expression {self.text!r}")
        return list(node.args)

    def _read_quoted(self, node: ast.Call) -> None:
        read = quoted_read(node, self.text)
        if self.aggregated is not None and read.kind == "baseline":
            raise SweepError(f"{read} is for `expect`: a gate compares with the baseline through `regression:`")
        self.reads[read] = None

    def _statistic_read(self, node: ast.Call) -> Read:
        """The metric a statistic reads: a bare name or ``metric("...")``, else a `SweepError` with an example."""
        assert isinstance(node.func, ast.Name)
        function = node.func.id
        argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if argument is not None:
            name = dotted_name(argument)
            if name is not None:
                return Read(None, name)
            if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id == "metric":
                return quoted_read(argument, self.text)
        raise SweepError(
            f"{function}() takes one metric over the repeats: {function}(val_acc) or"
            f' {function}(metric("val/f1")) (in expression {self.text!r})'
        )

    def _refuse(self, what: str) -> SweepError:
        return SweepError(f"{what} is not allowed in expression {self.text!r}")


def quoted_read(node: ast.Call, text: str) -> Read:
    """``metric("val/f1")``: one non-empty string literal, else a `SweepError` that shows how to write it."""
    assert isinstance(node.func, ast.Name)
    reader = node.func.id
    argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        if not argument.value:
            raise SweepError(f"{reader}() needs a name, not an empty string (in expression {text!r})")
        return Read(reader, argument.value)
    # `metric(val/f1)`: quote what was written; otherwise show an example.
    written = None
    if argument is not None and not isinstance(argument, ast.Constant | ast.JoinedStr):
        written = ast.get_source_segment(text, argument)
    if not written or set(written) & set("'\""):
        written = "batch-size" if reader == "param" else "val/f1"
    example = Read(reader, written)
    call = ast.get_source_segment(text, node) or ast.unparse(node)
    raise SweepError(f"{reader}() takes one name in quotes, not {call}: write {example} (in expression {text!r})")

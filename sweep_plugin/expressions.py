"""The small safe expression language of ``constraints`` and ``expect``.

Python's ``ast`` parses the text; a whitelist checks the tree when the sweep
file is collected, and a tree walker of our own evaluates it. Nothing is
ever handed to ``eval``/``compile``, so a sweep file cannot run code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import SweepError

MAX_LENGTH = 500
MAX_DEPTH = 30
MAX_EXPONENT = 100

FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max, "log": math.log}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: math.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def param_names(params: Mapping[str, Any], short: Mapping[str, str]) -> dict[str, Any]:
    """The names an expression may use for ``params``: full dotted paths and unique short names."""
    names = dict(params)
    for path, name in short.items():
        if path in params:
            names.setdefault(name, params[path])
    return names


class EvaluationError(Exception):
    """An expression could not be evaluated for one trial (missing name, bad types)."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source text, the names it reads and its tree."""

    text: str
    names: tuple[str, ...]
    tree: ast.expr

    @classmethod
    def parse(cls, text: object) -> Expression:
        """Parse and check ``text``; raise `SweepError` for anything outside the language."""
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            raise SweepError(f"expected an expression string, got {text!r}")
        text = str(text).strip()
        if not text:
            raise SweepError("empty expression")
        if len(text) > MAX_LENGTH:
            raise SweepError(f"expression longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise SweepError(f"cannot parse {text!r}: {exc.msg}") from None
        except ValueError as exc:  # e.g. a lone surrogate from a YAML escape
            raise SweepError(f"cannot parse {text!r}: {exc}") from None
        names: dict[str, None] = {}
        _check(tree, names, depth=0, text=text)
        return cls(text, tuple(names), tree)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate against ``values`` (dotted name -> value)."""
        try:
            return _evaluate(self.tree, values)
        except EvaluationError:
            raise
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from None

    def describe(self, values: Mapping[str, Any]) -> str:
        """``acc >= 0.75: acc = 0.5057``: the text and the values it saw."""
        seen = ", ".join(f"{name} = {_show(values.get(name, '<missing>'))}" for name in self.names)
        return f"{self.text}: {seen}" if seen else self.text


def _show(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` or ``layers[0].units`` as one dotted name; None for other nodes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr}" if head else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        index = node.slice.value
        head = dotted_name(node.value)
        if head and isinstance(index, int) and not isinstance(index, bool):
            return f"{head}.{index}"
    return None


def _refuse(node: ast.AST, text: str, what: str) -> SweepError:
    return SweepError(f"{what} is not allowed in expression {text!r}")


def _check(node: ast.expr, names: dict[str, None], depth: int, text: str) -> None:
    """Walk the tree once at collection and refuse anything outside the language."""
    if depth > MAX_DEPTH:
        raise SweepError(f"expression {text!r} is nested deeper than {MAX_DEPTH} levels")
    name = dotted_name(node)
    if name is not None:
        if name in FUNCTIONS:
            raise _refuse(node, text, f"bare function name {name!r}")
        names[name] = None
        return
    children: list[ast.expr]
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool | None):
            raise _refuse(node, text, f"constant {node.value!r}")
        return
    elif isinstance(node, ast.BoolOp):
        children = node.values
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        children = [node.operand]
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check_exponent(node, text)
        children = [node.left, node.right]
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.Tuple | ast.List):
        children = node.elts
    elif isinstance(node, ast.Call):
        children = _call_arguments(node, text)
    else:
        raise _refuse(node, text, _describe_node(node))
    for child in children:
        _check(child, names, depth + 1, text)


def _check_exponent(node: ast.BinOp, text: str) -> None:
    exponent = node.right
    if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub | ast.UAdd):
        exponent = exponent.operand
    too_big = isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float)
    if isinstance(node.op, ast.Pow) and too_big and abs(exponent.value) > MAX_EXPONENT:  # type: ignore[attr-defined]
        raise SweepError(f"exponent above {MAX_EXPONENT} in expression {text!r}")


def _call_arguments(node: ast.Call, text: str) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = ast.unparse(node.func)
        allowed = ", ".join(FUNCTIONS)
        raise SweepError(f"call of {called!r} is not allowed in expression {text!r} (allowed: {allowed})")
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _refuse(node, text, "keyword or starred arguments")
    if not node.args:
        raise SweepError(f"{node.func.id}() needs an argument in expression {text!r}")
    return list(node.args)


def _describe_node(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscript",
        ast.Lambda: "lambda",
        ast.IfExp: "conditional expression",
        ast.NamedExpr: "assignment",
    }
    return kinds.get(type(node), type(node).__name__)


def _number(value: Any) -> int | float:
    if isinstance(value, int | float):
        return value
    raise EvaluationError(f"arithmetic needs numbers, got {value!r}")


def _evaluate(node: ast.expr, values: Mapping[str, Any]) -> Any:
    name = dotted_name(node)
    if name is not None:
        if name not in values:
            raise EvaluationError(f"{name!r} is not defined")
        return values[name]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        is_and = isinstance(node.op, ast.And)
        result: Any = is_and
        for value in node.values:
            result = _evaluate(value, values)
            if bool(result) != is_and:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, values))
    if isinstance(node, ast.BinOp):
        left = _number(_evaluate(node.left, values))
        right = _number(_evaluate(node.right, values))
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise EvaluationError(f"exponent {right} above {MAX_EXPONENT}")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_evaluate(element, values) for element in node.elts)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    arguments = [_number(_evaluate(arg, values)) for arg in node.args]
    return FUNCTIONS[node.func.id](*arguments)

"""The evaluator: a walk of a checked tree over the trial's names. Nothing here calls ``eval``."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .check import BINARY, COMPARE, MAX_EXPONENT, UNARY
from .names import AGGREGATES, FUNCTIONS, READERS, EvaluationError, Read, Scopes, dotted_name, is_statistic

Reader = Callable[[Read], Any]


class Undefined(EvaluationError):
    """A name the trial has no value for."""

    def __init__(self, read: Read) -> None:
        super().__init__(f"{read.name!r} is not defined" if read.kind is None else f"{read} is not defined")
        self.read = read


def reader(values: Mapping[str, Any], scopes: Scopes | None) -> Reader:
    """Look up one `Read`: a bare name in ``values``, a quoted one in its scope, else in ``values`` by key."""

    def read(name: Read) -> Any:
        scope = scopes.get(name.kind) if scopes is not None and name.kind is not None else None
        source, key = (values, name.key) if scope is None else (scope, name.name)
        if key not in source:
            raise Undefined(name)
        return source[key]

    return read


def evaluate(node: ast.expr, read: Reader) -> Any:
    """The value of a checked tree, reading names through ``read``."""
    name = dotted_name(node)
    if name is not None:
        return read(Read(None, name))
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        return _boolean(node, read)
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](evaluate(node.operand, read))
    if isinstance(node, ast.BinOp):
        return _arithmetic(node, read)
    if isinstance(node, ast.Compare):
        return _comparison(node, read)
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(evaluate(element, read) for element in node.elts)
    assert isinstance(node, ast.Call), "the checker lets only calls through beside the nodes above"
    return _call(node, read)


def _boolean(node: ast.BoolOp, read: Reader) -> Any:
    """``and``/``or`` as Python evaluates them: the first value that decides, short-circuiting."""
    is_and = isinstance(node.op, ast.And)
    result: Any = is_and
    for value in node.values:
        result = evaluate(value, read)
        if bool(result) != is_and:
            return result
    return result


def _arithmetic(node: ast.BinOp, read: Reader) -> Any:
    left = _number(evaluate(node.left, read))
    right = _number(evaluate(node.right, read))
    if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
        raise EvaluationError(f"exponent {right} above {MAX_EXPONENT}")
    return BINARY[type(node.op)](left, right)


def _comparison(node: ast.Compare, read: Reader) -> bool:
    """A chain of comparisons (``0 < x <= 1``), each operand evaluated once."""
    left = evaluate(node.left, read)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = evaluate(comparator, read)
        if not COMPARE[type(op)](left, right):
            return False
        left = right
    return True


def _call(node: ast.Call, read: Reader) -> Any:
    assert isinstance(node.func, ast.Name)
    function = node.func.id
    if function in READERS:
        argument = node.args[0]
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        return read(Read(function, argument.value))
    if is_statistic(node):
        values = evaluate(node.args[0], read)
        if isinstance(values, tuple | list):
            return statistic(function, values)
        if function not in FUNCTIONS:
            raise EvaluationError(f"{function}() takes a metric's values over the repeats, not {values!r}")
    arguments = [_number(evaluate(arg, read)) for arg in node.args]
    return FUNCTIONS[function](*arguments)


def statistic(function: str, values: Sequence[Any]) -> float:
    """``function`` of one metric's values over the repeats that reported it."""
    numbers = [_number(value) for value in values]
    if not all(math.isfinite(number) for number in numbers):
        raise EvaluationError(f"{function}() of values that are not all numbers: {list(numbers)}")
    if not numbers:
        raise EvaluationError(f"{function}() of no values: no repeat reported the metric")
    if function == "std" and len(numbers) < 2:
        raise EvaluationError("std() needs at least two values")
    return float(AGGREGATES[function](numbers))


def _number(value: Any) -> int | float:
    if isinstance(value, int | float):
        return value
    raise EvaluationError(f"arithmetic needs numbers, got {value!r}")

"""The small safe expression language of ``constraints`` and ``expect``.

Python's ``ast`` parses the text; a whitelist checks the tree when the sweep
file is collected, and a tree walker of our own evaluates it. Nothing is
ever handed to ``eval``/``compile``, so a sweep file cannot run code.

A name that is not a Python name (W&B's ``val/f1``, ``val mAP``,
``batch-size``) is written quoted, as the one argument of a reader:
``metric("val/f1")``, ``param("batch-size")``, ``baseline("val/f1")``.
The argument must be a string literal, so a reader is still only a lookup.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import operator
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import SweepError

MAX_LENGTH = 500
MAX_DEPTH = 30
MAX_EXPONENT = 100

FUNCTIONS: dict[str, Callable[..., Any]] = {"abs": abs, "min": min, "max": max, "log": math.log}
# A gate's statistics of one metric over a configuration's repeats: ``mean(val_acc)``.
# ``min``/``max`` of one name are statistics there too; of several values, plain functions.
AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "std": statistics.stdev,
    "min": min,
    "max": max,
}
# Readers: a value by a quoted name. `metric` and `baseline` read metrics (this trial's,
# the baseline run's), `param` a parameter by dotted path or unique short name.
READERS = ("metric", "param", "baseline")

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


class Read(NamedTuple):
    """One name an expression reads: bare (``acc``, kind None) or quoted (``metric("val/f1")``)."""

    kind: str | None
    name: str

    @property
    def key(self) -> str:
        """The name in one flat mapping of every name: ``baseline("x")`` is ``baseline.x``."""
        return f"baseline.{self.name}" if self.kind == "baseline" else self.name

    def __str__(self) -> str:
        return self.name if self.kind is None else f"{self.kind}({quoted(self.name)})"


class _Undefined(EvaluationError):
    def __init__(self, read: Read) -> None:
        super().__init__(f"{read.name!r} is not defined" if read.kind is None else f"{read} is not defined")
        self.read = read


class _OperatorRefused(SweepError):
    """An operator outside the language (``recall@5``): `Expression.parse` adds the quoting hint."""


# What each reader reads: a name -> value mapping per reader (`Expression.evaluate`).
Scopes = Mapping[str, Mapping[str, Any]]


def flat_names(scopes: Scopes) -> dict[str, Any]:
    """Every name of ``scopes`` as a bare name reads it (`Read.key`): parameters, ``baseline.x``, then metrics."""
    baseline = {Read("baseline", name).key: value for name, value in scopes.get("baseline", {}).items()}
    return {**scopes.get("param", {}), **baseline, **scopes.get("metric", {})}


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source text, the names it reads and its tree.

    ``names`` holds every name read, spelled as one flat mapping of all names
    spells it: ``metric("val/f1")`` reads ``val/f1``, ``baseline("x")`` reads
    ``baseline.x``. ``reads`` says how each one was written.
    """

    text: str
    tree: ast.expr
    reads: tuple[Read, ...]
    aggregated: tuple[Read, ...] = ()  # in a gate: the metrics read through a statistic

    @property
    def names(self) -> tuple[str, ...]:
        """Every name read, as one flat mapping of all names spells it (`Read.key`)."""
        return tuple(dict.fromkeys(read.key for read in self.reads))

    @classmethod
    def parse(cls, text: object, gate: bool = False) -> Expression:
        """Parse and check ``text``; raise `SweepError` for anything outside the language.

        A ``gate`` expression may also take statistics of metrics over repeats
        (``mean(val_acc)``); each metric it reads is then a sequence of values.
        """
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
            raise SweepError(f"cannot parse {text!r}: {exc.msg}{_quoting_hint(text)}") from None
        except ValueError as exc:  # e.g. a lone surrogate from a YAML escape
            raise SweepError(f"cannot parse {text!r}: {exc}") from None
        reads: dict[Read, None] = {}
        aggregated: dict[Read, None] | None = {} if gate else None
        try:
            _check(tree, reads, depth=0, text=text, aggregated=aggregated)
        except _OperatorRefused as exc:
            raise SweepError(f"{exc}{_quoting_hint(text)}") from None
        return cls(text, tree, tuple(reads), tuple(aggregated or ()))

    def evaluate(self, values: Mapping[str, Any], scopes: Scopes | None = None) -> Any:
        """Evaluate against ``values`` (dotted name -> value).

        ``scopes`` gives a reader (``metric``, ``param``, ``baseline``) its own
        names, so that ``param("lr")`` reads the parameter even where a metric
        is called ``lr``. A reader without a scope reads ``values`` by its flat
        key (`Read.key`), as a bare name does.
        """
        try:
            return _evaluate(self.tree, _reader(values, scopes))
        except _Undefined as exc:
            raise EvaluationError(f"{exc}{self._undefined_hint(exc.read, scopes or {})}") from None
        except EvaluationError:
            raise
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from None

    def describe(self, values: Mapping[str, Any], scopes: Scopes | None = None) -> str:
        """``acc >= 0.75: acc = 0.5057``: the text and the values it saw (``val/f1 = 0.9`` when quoted)."""
        read = _reader(values, scopes)
        seen: dict[str, str] = {}
        for call in self._statistics():
            try:
                seen[ast.get_source_segment(self.text, call) or ast.unparse(call)] = _show(_evaluate(call, read))
            except EvaluationError as exc:
                seen[ast.get_source_segment(self.text, call) or ast.unparse(call)] = f"<{exc}>"
        for name in self.reads:
            if name in self.aggregated:
                continue
            try:
                value = _show(read(name))
            except _Undefined:
                value = "<missing>"
            shared = sum(other.key == name.key for other in self.reads) > 1  # param("lr") beside metric("lr")
            seen.setdefault(str(name) if shared and scopes is not None else name.key, value)
        shown = ", ".join(f"{key} = {value}" for key, value in seen.items())
        return f"{self.text}: {shown}" if shown else self.text

    def _statistics(self) -> list[ast.Call]:
        """The statistic calls of a gate expression (``mean(val_acc)``), in the order written."""
        if not self.aggregated:
            return []
        return [node for node in ast.walk(self.tree) if isinstance(node, ast.Call) and _is_statistic(node)]

    def _undefined_hint(self, read: Read, scopes: Scopes) -> str:
        """How to write what ``read`` was meant to be: ``metric("val/f1")`` for ``val``, or a close name."""
        if read.kind is not None:
            close = difflib.get_close_matches(read.name, list(scopes.get(read.kind, ())), n=1)
            return f" (did you mean {Read(read.kind, close[0])}?)" if close else ""
        joined = self.joined_name(read)
        if joined is None:
            return ""
        kind = "param" if joined in scopes.get("param", {}) and joined not in scopes.get("metric", {}) else "metric"
        return quoting_hint(joined, kind)

    def joined_name(self, read: Read) -> str | None:
        """``val/f1`` where the bare name ``val`` stands in ``val/f1`` in the text, which divides by ``f1``."""
        if read.kind is not None:
            return None
        for match in _JOINED.finditer(self.text):
            if read.name in re.split(r"[/-]", match.group()):
                return match.group()
        return None


def quoting_hint(name: str, kind: str = "metric") -> str:
    """`` (if val/f1 is one name, write metric("val/f1"))``: how to name what reads as arithmetic."""
    return f" (if {name} is one name, write {Read(kind, name)})"


def quoted(name: str) -> str:
    """``name`` as a string literal the language reads back: ``"val/f1"`` (Python's repr where it must escape)."""
    plain = name.isprintable() and '"' not in name and "\\" not in name
    return f'"{name}"' if plain else repr(name)


def _show(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _reader(values: Mapping[str, Any], scopes: Scopes | None) -> Callable[[Read], Any]:
    """Look up one `Read`: a bare name in ``values``, a quoted one in its scope, else in ``values`` by key."""

    def read(name: Read) -> Any:
        scope = scopes.get(name.kind) if scopes is not None and name.kind is not None else None
        source, key = (values, name.key) if scope is None else (scope, name.name)
        if key not in source:
            raise _Undefined(name)
        return source[key]

    return read


# Names joined by / or - with nothing between: `val/f1`, `Train/losses/total`, `batch-size`.
_JOINED = re.compile(r"(?<![\w.'\"])[^\W\d][\w.]*(?:[/-][\w.]+)+")
_COMPARISON = re.compile(r"==|!=|<=|>=|<|>")
_UNQUOTED = re.compile(r"\b(?P<reader>metric|param|baseline)\((?P<name>[^'\"()]+)\)")
# One side of a comparison that could be a name: words with no brackets, quotes or commas,
# from a letter to a letter or digit (`val mAP`, `recall@5`, `mAP_0.5:0.95`).
_NAME_LIKE = re.compile(r"[^\W\d][^\s()\[\]{},'\"]*(?: [^\s()\[\]{},'\"]+)*(?<=\w)")


def _quoting_hint(text: str) -> str:
    """How to quote a name that made ``text`` unreadable: ``metric(val mAP)``, or ``val mAP`` beside a comparison."""
    for unquoted in _UNQUOTED.finditer(text):
        if unquoted["name"].strip():
            return f" (the name goes in quotes: write {Read(unquoted['reader'], unquoted['name'].strip())})"
    for side in _COMPARISON.split(text):
        side = side.strip()
        if not _NAME_LIKE.fullmatch(side) or any(keyword.iskeyword(word) for word in side.split()):
            continue
        try:
            _check(ast.parse(side, mode="eval").body, {}, depth=0, text=side)
        except (SyntaxError, ValueError, SweepError):
            return f" (if {side} is one name, write {Read('metric', side)}, or {Read('param', side)} for a parameter)"
    return ""


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


def _is_statistic(node: ast.AST) -> bool:
    """``mean(val_acc)``, ``min(metric("val/f1"))``: a statistic of one name (min/max of several are not)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in AGGREGATES):
        return False
    return node.func.id not in FUNCTIONS or len(node.args) == 1


def _statistic_read(node: ast.Call, text: str) -> Read:
    """The metric a statistic reads: a bare name or ``metric("...")``, else a `SweepError` with an example."""
    assert isinstance(node.func, ast.Name)
    function = node.func.id
    argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
    if argument is not None:
        name = dotted_name(argument)
        if name is not None:
            return Read(None, name)
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id == "metric":
            return _quoted_read(argument, text)
    raise SweepError(
        f"{function}() takes one metric over the repeats: {function}(val_acc) or"
        f' {function}(metric("val/f1")) (in expression {text!r})'
    )


def _check(
    node: ast.expr, reads: dict[Read, None], depth: int, text: str, aggregated: dict[Read, None] | None = None
) -> None:
    """Walk the tree once at collection and refuse anything outside the language.

    ``aggregated`` is given for a gate expression: it collects the metrics read through statistics.
    """
    if depth > MAX_DEPTH:
        raise SweepError(f"expression {text!r} is nested deeper than {MAX_DEPTH} levels")
    name = dotted_name(node)
    if name is not None:
        if name in FUNCTIONS:
            raise _refuse(node, text, f"bare function name {name!r}")
        reads[Read(None, name)] = None
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
        read = _quoted_read(node, text)
        if aggregated is not None and read.kind == "baseline":
            raise SweepError(f"{read} is for `expect`: a gate compares with the baseline through `regression:`")
        reads[read] = None
        return
    if aggregated is not None and _is_statistic(node):
        assert isinstance(node, ast.Call)
        read = _statistic_read(node, text)
        reads[read] = aggregated[read] = None
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
    elif isinstance(node, ast.BinOp):  # `recall@5 >= 0.5`: a name with a symbol, most likely
        raise _OperatorRefused(f"operator {_OPERATORS.get(type(node.op), '?')} is not allowed in expression {text!r}")
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.Tuple | ast.List):
        children = node.elts
    elif isinstance(node, ast.Call):
        children = _call_arguments(node, text, gate=aggregated is not None)
    else:
        raise _refuse(node, text, _describe_node(node))
    for child in children:
        _check(child, reads, depth + 1, text, aggregated)


def _check_exponent(node: ast.BinOp, text: str) -> None:
    exponent = node.right
    if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub | ast.UAdd):
        exponent = exponent.operand
    too_big = isinstance(exponent, ast.Constant) and isinstance(exponent.value, int | float)
    if isinstance(node.op, ast.Pow) and too_big and abs(exponent.value) > MAX_EXPONENT:  # type: ignore[attr-defined]
        raise SweepError(f"exponent above {MAX_EXPONENT} in expression {text!r}")


_OPERATORS = {ast.MatMult: "@", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}


def _quoted_read(node: ast.Call, text: str) -> Read:
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


def _call_arguments(node: ast.Call, text: str, gate: bool = False) -> list[ast.expr]:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = ast.unparse(node.func)
        names = [*AGGREGATES, *FUNCTIONS, "metric", "param"] if gate else [*FUNCTIONS, *READERS]
        allowed = ", ".join(dict.fromkeys(names))
        hint = "" if gate or called not in AGGREGATES else f" ({called}() of the repeats belongs in `gate:`)"
        raise SweepError(f"call of {called!r} is not allowed in expression {text!r} (allowed: {allowed}){hint}")
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


def _evaluate(node: ast.expr, read: Callable[[Read], Any]) -> Any:
    name = dotted_name(node)
    if name is not None:
        return read(Read(None, name))
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BoolOp):
        is_and = isinstance(node.op, ast.And)
        result: Any = is_and
        for value in node.values:
            result = _evaluate(value, read)
            if bool(result) != is_and:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, read))
    if isinstance(node, ast.BinOp):
        left = _number(_evaluate(node.left, read))
        right = _number(_evaluate(node.right, read))
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise EvaluationError(f"exponent {right} above {MAX_EXPONENT}")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, read)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, read)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_evaluate(element, read) for element in node.elts)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    if node.func.id in READERS:
        argument = node.args[0]
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str)
        return read(Read(node.func.id, argument.value))
    if _is_statistic(node):
        values = _evaluate(node.args[0], read)
        if isinstance(values, tuple | list):
            return _statistic(node.func.id, values)
        if node.func.id not in FUNCTIONS:
            raise EvaluationError(f"{node.func.id}() takes a metric's values over the repeats, not {values!r}")
    arguments = [_number(_evaluate(arg, read)) for arg in node.args]
    return FUNCTIONS[node.func.id](*arguments)


def _statistic(function: str, values: Sequence[Any]) -> float:
    """``function`` of one metric's values over the repeats that reported it."""
    numbers = [_number(value) for value in values]
    if not all(math.isfinite(number) for number in numbers):
        raise EvaluationError(f"{function}() of values that are not all numbers: {list(numbers)}")
    if not numbers:
        raise EvaluationError(f"{function}() of no values: no repeat reported the metric")
    if function == "std" and len(numbers) < 2:
        raise EvaluationError("std() needs at least two values")
    return float(AGGREGATES[function](numbers))

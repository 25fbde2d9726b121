"""`Expression`: a checked expression of ``constraints``, ``expect`` or ``gate``, and how it reads a trial."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SweepError
from .check import Checker, OperatorRefused
from .evaluate import Undefined, evaluate, reader
from .hints import joined_name, quoting_hint, unreadable_hint
from .names import EvaluationError, Read, Scopes, is_statistic

MAX_LENGTH = 500


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
            raise SweepError(f"cannot parse {text!r}: {exc.msg}{unreadable_hint(text)}") from None
        except ValueError as exc:  # e.g. a lone surrogate from a YAML escape
            raise SweepError(f"cannot parse {text!r}: {exc}") from None
        checker = Checker(text, gate)
        try:
            checker.check(tree)
        except OperatorRefused as exc:
            raise SweepError(f"{exc}{unreadable_hint(text)}") from None
        return cls(text, tree, tuple(checker.reads), tuple(checker.aggregated or ()))

    def evaluate(self, values: Mapping[str, Any], scopes: Scopes | None = None) -> Any:
        """Evaluate against ``values`` (dotted name -> value).

        ``scopes`` gives a reader (``metric``, ``param``, ``baseline``) its own
        names, so that ``param("lr")`` reads the parameter even where a metric
        is called ``lr``. A reader without a scope reads ``values`` by its flat
        key (`Read.key`), as a bare name does.
        """
        try:
            return evaluate(self.tree, reader(values, scopes))
        except Undefined as exc:
            raise EvaluationError(f"{exc}{self._undefined_hint(exc.read, scopes or {})}") from None
        except EvaluationError:
            raise
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from None

    def describe(self, values: Mapping[str, Any], scopes: Scopes | None = None) -> str:
        """``acc >= 0.75: acc = 0.5057``: the text and the values it saw (``val/f1 = 0.9`` when quoted)."""
        read = reader(values, scopes)
        seen: dict[str, str] = {}
        for call in self._statistics():
            segment = ast.get_source_segment(self.text, call) or ast.unparse(call)
            try:
                seen[segment] = _show(evaluate(call, read))
            except EvaluationError as exc:
                seen[segment] = f"<{exc}>"
        for name in self.reads:
            if name in self.aggregated:
                continue
            try:
                value = _show(read(name))
            except Undefined:
                value = "<missing>"
            shared = sum(other.key == name.key for other in self.reads) > 1  # param("lr") beside metric("lr")
            seen.setdefault(str(name) if shared and scopes is not None else name.key, value)
        shown = ", ".join(f"{key} = {value}" for key, value in seen.items())
        return f"{self.text}: {shown}" if shown else self.text

    def joined_name(self, read: Read) -> str | None:
        """``val/f1`` where the bare name ``val`` stands in ``val/f1`` in the text, which divides by ``f1``."""
        return joined_name(self.text, read)

    def _statistics(self) -> list[ast.Call]:
        """The statistic calls of a gate expression (``mean(val_acc)``), in the order written."""
        if not self.aggregated:
            return []
        return [node for node in ast.walk(self.tree) if isinstance(node, ast.Call) and is_statistic(node)]

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


def _show(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)

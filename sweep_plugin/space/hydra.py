"""Hydra's sweeper grammar in a parameter value, read into the W&B vocabulary of `space`.

A sweep written for Hydra (``hydra.sweeper.params``, ``--multirun lr=0.1,0.01``)
says ``lr: interval(0.0001, 0.1)``: a search space, never a constant string
(SPEC section 10). This module reads that grammar with a small tokenizer that
follows Hydra's ``OverrideLexer.g4`` / ``OverrideParser.g4`` (never ``eval``) and
answers with the W&B space (``{values: [...]}``, ``{distribution: ..., min, max}``)
that `parse_space` already checks, so the rest of the plugin sees one
vocabulary. A string that is not this grammar stays the constant it was.
"""

from __future__ import annotations

import difflib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import SweepError
from .foreign import refuse_foreign

SWEEP_FUNCTIONS = ("choice", "range", "interval", "tag", "sort", "shuffle")
UNSUPPORTED = {  # Hydra's other functions, and what to write instead
    "glob": "glob() picks options of a Hydra config group, which a sweep file has none of; list them with choice(...)",
    "extend_list": "extend_list() appends to a list in a Hydra config; write the whole list as the value",
    **{
        cast: f"Hydra's {cast}() cast is not supported here; write the values in the type you want"
        " (choice(1, 2) gives ints, choice('1', '2') strings; interval(1, 5) draws ints, interval(1.0, 5.0) floats)"
        for cast in ("int", "float", "str", "bool")
    },
}
MAX_RANGE = 1_000_000  # values of one range(); beyond that, interval() is what is meant
MAX_DIGITS = 300  # of an integer (a float holds about 1e308)
MAX_DEPTH = 50  # of lists, mappings and calls inside each other
_KEEP = "to keep the text as one string, write {value: ...} or quote it"

# Hydra's value-mode tokens, by rule order (the longest match wins, the earlier rule breaks a tie).
_INT = r"(?:0|[1-9](?:_?[0-9])*)"
_DIGITS = r"[0-9](?:_?[0-9])*"
_POINT = rf"(?:{_INT}?\.{_DIGITS}|{_INT}\.)"
_TOKENS = [
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("POPEN", r"[ \t]*\([ \t]*"),
        ("COMMA", r"[ \t]*,[ \t]*"),
        ("PCLOSE", r"[ \t]*\)"),
        ("BRACKET_OPEN", r"\[[ \t]*"),
        ("BRACKET_CLOSE", r"[ \t]*\]"),
        ("BRACE_OPEN", r"\{[ \t]*"),
        ("BRACE_CLOSE", r"[ \t]*\}"),
        ("COLON", r"[ \t]*:[ \t]*"),
        ("EQUAL", r"[ \t]*=[ \t]*"),
        ("FLOAT", rf"[+-]?(?:(?:{_POINT}|{_INT})[eE][+-]?{_DIGITS}|{_POINT}|[Ii][Nn][Ff]|[Nn][Aa][Nn])"),
        ("INT", rf"[+-]?{_INT}"),
        ("BOOL", r"[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]"),
        ("NULL", r"[Nn][Uu][Ll][Ll]"),
        ("UNQUOTED_CHAR", r"[/\-\\+.$%*@?|]"),
        ("ID", r"[a-zA-Z_][a-zA-Z0-9_]*"),
        ("ESC", r"(?:\\[\\()\[\]{}:=, \t])+"),
        ("WS", r"[ \t]+"),
        ("INTERPOLATION", r"\$\{[^}]+\}"),
    )
]
_PRIMITIVE = {"ID", "NULL", "INT", "FLOAT", "BOOL", "INTERPOLATION", "UNQUOTED_CHAR", "COLON", "ESC", "WS"}
_DICT_KEY = _PRIMITIVE - {"COLON", "INTERPOLATION"}
_OPEN = ("POPEN", "BRACKET_OPEN", "BRACE_OPEN")
_CLOSE = ("PCLOSE", "BRACKET_CLOSE", "BRACE_CLOSE")
_CALL = re.compile(r"([A-Za-z_]\w*)[ \t]*\(")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class Discrete:
    """choice(...), range(...) or ``a,b,c``: a finite list of values."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Interval:
    """interval(low, high), drawn on a log scale under ``tag(log, ...)``."""

    low: int | float
    high: int | float
    log: bool = False


class Malformed(Exception):
    """Text that reads as Hydra's grammar but breaks it; the message says what is wrong."""


def hydra_space(text: str) -> Any:
    """The W&B form of ``text`` if it is Hydra's sweep grammar, else ``None`` (a constant string).

    `SweepError` if it reads as the grammar but breaks it: a call of one of Hydra's
    functions (``interval(0.1)``), or a comma list with an empty item (``a,,b``).
    A string wholly in quotes is Hydra's way to write a string with commas: its text.
    """
    stripped = text.strip()
    refuse_foreign(stripped, _shown(stripped), _KEEP)
    call = _CALL.match(stripped)
    name = call.group(1) if call else ""
    committed = name in SWEEP_FUNCTIONS or name in UNSUPPORTED
    if call and not committed:
        close = difflib.get_close_matches(name, SWEEP_FUNCTIONS, n=1, cutoff=0.8)
        if close:
            raise SweepError(
                f"unknown sweep function {name}() in {_shown(stripped)} (did you mean {close[0]}()?); {_KEEP}"
            )
    if not committed and "," not in stripped and stripped[:1] not in ("'", '"'):
        return None
    try:
        tokens = _tokenize(stripped)
        top = _top_level(tokens)
        if "COMMA" in top and ("COMMA", "COMMA") in zip(["COMMA", *top], [*top, "COMMA"], strict=True):
            raise SweepError(f"{_shown(stripped)}: a comma list with an empty item; remove the extra comma ({_KEEP})")
        if not committed and "COMMA" not in top:
            quoted = len(tokens) == 1 and tokens[0].kind == "QUOTED"
            return {"value": _unquote(tokens[0].text)} if quoted else None
        parsed = _Parser(tokens, stripped).value()
    except Malformed as exc:
        if committed:
            raise SweepError(f"{_shown(stripped)}: {exc}") from None
        return None
    return _wandb(parsed)


def _shown(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _wandb(parsed: Any) -> Any:
    """A parsed value as the W&B space `space.parse_space` reads."""
    if isinstance(parsed, Discrete):
        return {"values": list(parsed.values)}
    if not isinstance(parsed, Interval):
        return {"value": parsed}
    both_int = isinstance(parsed.low, int) and isinstance(parsed.high, int)
    bounds = {"min": parsed.low, "max": parsed.high}
    if parsed.log and both_int:  # log-uniform, rounded to integers
        return {"distribution": "q_log_uniform_values", **bounds, "q": 1}
    if parsed.log:
        return {"distribution": "log_uniform_values", **bounds}
    return {"distribution": "int_uniform" if both_int else "uniform", **bounds}


def _top_level(tokens: Sequence[Token]) -> list[str]:
    """The kinds of ``tokens``, with ``X`` for each one inside brackets or parentheses."""
    kinds, depth = [], 0
    for token in tokens:
        depth -= token.kind in _CLOSE
        kinds.append(token.kind if depth == 0 else "X")
        depth += token.kind in _OPEN
    return kinds


def _tokenize(text: str) -> list[Token]:
    """Hydra's value-mode tokens of ``text``; `Malformed` at a character the grammar has no token for."""
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos] in "'\"":
            end = _quote_end(text, pos)
            tokens.append(Token("QUOTED", text[pos:end]))
            pos = end
            continue
        best: Token | None = None
        for kind, pattern in _TOKENS:
            match = pattern.match(text, pos)
            if match and match.end() > pos and (best is None or len(match.group()) > len(best.text)):
                best = Token(kind, match.group())
        if best is None:
            raise Malformed(f"character {text[pos]!r} at position {pos + 1} is not in Hydra's grammar; quote the value")
        tokens.append(best)
        pos += len(best.text)
    return tokens


def _quote_end(text: str, start: int) -> int:
    """Where the quoted string at ``start`` ends: at its quote that follows an even number of backslashes."""
    quote, backslashes = text[start], 0
    for pos in range(start + 1, len(text)):
        if text[pos] == quote and backslashes % 2 == 0:
            return pos + 1
        backslashes = backslashes + 1 if text[pos] == "\\" else 0
    raise Malformed(f"the quote at position {start + 1} is never closed")


def _unquote(token: str) -> str:
    """The text inside quotes: backslashes before a quote (and before the closing one) are halved."""
    quote, body = token[0], token[1:-1]
    escaped = re.compile(r"(\\+)(" + re.escape(quote) + r"|\Z)")
    return escaped.sub(lambda m: m.group(1)[: len(m.group(1)) // 2] + m.group(2), body)


class _Parser:
    """Recursive descent over Hydra's ``value`` rule: an element, or elements joined by commas."""

    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.text = text  # seeds shuffle(), so every worker collects the same order

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.tokens[index].kind if index < len(self.tokens) else "END"

    def found(self) -> str:
        return repr(self.tokens[self.pos].text.strip()) if self.pos < len(self.tokens) else "the end"

    def take(self, kind: str, wanted: str) -> Token:
        if self.peek() != kind:
            raise Malformed(f"expected {wanted}, found {self.found()}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def items(self, item: Callable[[], Any], close: str) -> list[Any]:
        """``item (COMMA item)*`` up to ``close``, which may come at once (no items)."""
        items = [] if self.peek() == close else [item()]
        while items and self.peek() == "COMMA":
            self.pos += 1
            items.append(item())
        return items

    def value(self) -> Any:
        items = [self.element()]
        while self.peek() == "COMMA":
            self.pos += 1
            items.append(self.element())
        if self.peek() != "END":
            raise Malformed(f"expected a comma or the end, found {self.found()}")
        if len(items) == 1:
            return items[0]
        return Discrete(tuple(_plain(item, "a comma list") for item in items))

    def element(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Malformed(f"values nested more than {MAX_DEPTH} deep")
        try:
            return self.nested()
        finally:
            self.depth -= 1

    def nested(self) -> Any:
        kind = self.peek()
        if kind == "ID" and self.peek(1) == "POPEN":
            return self.function()
        if kind == "QUOTED":
            self.pos += 1
            return _unquote(self.tokens[self.pos - 1].text)
        if kind == "BRACKET_OPEN":
            self.pos += 1
            items = self.items(self.element, "BRACKET_CLOSE")
            self.take("BRACKET_CLOSE", "a comma or ']'")
            return [_plain(item, "a list") for item in items]
        if kind == "BRACE_OPEN":
            self.pos += 1
            pairs = self.items(self.pair, "BRACE_CLOSE")
            self.take("BRACE_CLOSE", "a comma or '}'")
            return {key: _plain(value, "a mapping") for key, value in pairs}
        return self.primitive(_PRIMITIVE)

    def pair(self) -> tuple[Any, Any]:
        key = self.primitive(_DICT_KEY)
        self.take("COLON", "':' after a key")
        return key, self.element()

    def primitive(self, kinds: set[str]) -> Any:
        """Hydra's primitive: one token, typed; or several, joined into a string (outer blanks dropped)."""
        start = self.pos
        while self.peek() in kinds and not (self.peek() == "ID" and self.peek(1) == "POPEN"):
            self.pos += 1
        tokens = self.tokens[start : self.pos]
        while tokens and tokens[0].kind == "WS":
            tokens = tokens[1:]
        while tokens and tokens[-1].kind == "WS":
            tokens = tokens[:-1]
        if not tokens:
            raise Malformed(f"expected a value, found {self.found()}")
        if len(tokens) > 1:
            return "".join(t.text[1::2] if t.kind == "ESC" else t.text for t in tokens)
        return _typed(tokens[0])

    def function(self) -> Any:
        name = self.take("ID", "a function name").text
        self.take("POPEN", "'('")
        arguments = self.items(self.argument, "PCLOSE")
        self.take("PCLOSE", f"a comma or ')' to close {name}(")
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for key, value in arguments:
            if key is None and kwargs:
                raise Malformed(f"{name}(): a value after a named argument; put the named ones last")
            if key in kwargs:
                raise Malformed(f"{name}(): {key}= given twice")
            if key is None:
                args.append(value)
            else:
                kwargs[key] = value
        return self.call(name, args, kwargs)

    def argument(self) -> tuple[str | None, Any]:
        if self.peek() == "ID" and self.peek(1) == "EQUAL":
            key = self.take("ID", "a name").text
            self.pos += 1
            return key, self.element()
        return None, self.element()

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if name in UNSUPPORTED:
            raise Malformed(UNSUPPORTED[name])
        if name == "choice":
            _signature(name, kwargs, ())
            if not args:
                raise Malformed("choice() needs at least one value, e.g. choice(16, 32, 64)")
            return Discrete(tuple(_plain(arg, "choice()") for arg in args))
        if name == "range":
            return _range(*_bind(name, args, kwargs, ("start", "stop", "step"), "range(0, 10, 2)"))
        if name == "interval":
            return _interval(*_bind(name, args, kwargs, ("start", "end"), "interval(0.0001, 0.1)"))
        if name == "tag":
            return _tag(args, kwargs)
        if name == "sort":
            return _sort(args, kwargs)
        if name == "shuffle":
            return _shuffle(args, kwargs, random.Random(self.text))
        close = difflib.get_close_matches(name, SWEEP_FUNCTIONS, n=1)
        hint = f" (did you mean {close[0]}()?)" if close else ""
        raise Malformed(f"unknown function {name}(){hint}; Hydra's sweep functions are {', '.join(SWEEP_FUNCTIONS)}")


def _typed(token: Token) -> Any:
    """One token as Hydra types it: ``1`` int, ``1e-3`` float, ``true`` bool, ``null`` None, else text."""
    if token.kind == "INT" and len(token.text) > MAX_DIGITS:
        raise Malformed(f"a number of {len(token.text)} digits; at most {MAX_DIGITS}")
    if token.kind == "INT":
        return int(token.text)
    if token.kind == "FLOAT":
        return float(token.text)
    if token.kind == "BOOL":
        return token.text.lower() == "true"
    if token.kind == "NULL":
        return None
    if token.kind == "ESC":
        return token.text[1::2]
    return token.text


def _plain(item: Any, where: str) -> Any:
    if isinstance(item, Discrete | Interval):
        raise Malformed(f"{where} holds values, not sweeps; write one sweep per parameter")
    return item


def _signature(name: str, kwargs: dict[str, Any], names: Sequence[str]) -> None:
    unknown = [key for key in kwargs if key not in names]
    if unknown:
        takes = f"its named arguments are {', '.join(names)}" if names else "it takes no named arguments"
        raise Malformed(f"{name}() has no argument {unknown[0]!r}; {takes}")


def _bind(name: str, args: list[Any], kwargs: dict[str, Any], names: Sequence[str], example: str) -> list[Any]:
    """Positional then named arguments in ``names`` order, as Python binds them; the last one may be left out."""
    _signature(name, kwargs, names)
    if len(args) > len(names):
        raise Malformed(f"{name}() takes at most {len(names)} values ({', '.join(names)}), got {len(args)}")
    bound = dict(zip(names, args, strict=False))
    twice = [key for key in kwargs if key in bound]
    if twice:
        raise Malformed(f"{name}() got {twice[0]} twice")
    bound.update(kwargs)
    missing = [key for key in names[:2] if key not in bound]
    if missing:
        raise Malformed(f"{name}() needs {' and '.join(names[:2])}; {' and '.join(missing)} missing (e.g. {example})")
    return [bound[key] for key in names if key in bound]


def _number(name: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
        raise Malformed(f"{name}() takes finite numbers, not {value!r}")
    return value


def _range(start: Any, stop: Any, step: Any = 1) -> Discrete:
    """Hydra's range: ``start + i*step`` up to ``stop`` (excluded); floats unless all three are ints.

    Floats step in decimal on the numbers as written, so ``range(0, 1, 0.1)`` holds 0.3, not
    0.30000000000000004 (Hydra steps in the binary value of each float).
    """
    start, stop, step = (_number("range", v) for v in (start, stop, step))
    if step == 0:
        raise Malformed("range() step must not be 0")
    first, last, stride = (Decimal(repr(v)) for v in (start, stop, step))
    count = max(0, math.ceil((last - first) / stride))
    shown = f"range({start}, {stop}, {step})"
    if count == 0:
        fix = (
            f"a step of the other sign, e.g. range({start}, {stop}, {-step})" if start != stop else "a stop past start"
        )
        raise Malformed(f"{shown} has no values (stop is excluded); give {fix}")
    if count > MAX_RANGE:
        raise Malformed(f"{shown} has {count} values, more than {MAX_RANGE}; to draw from it, write interval(...)")
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
        return Discrete(tuple(range(start, stop, step)))
    return Discrete(tuple(float(first + i * stride) for i in range(count)))


def _interval(start: Any, end: Any) -> Interval:
    low, high = _number("interval", start), _number("interval", end)
    if low >= high:
        raise Malformed(f"the low bound must be below the high one; write interval({high}, {low})")
    return Interval(low, high)


def _tag(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Labels on a sweep: ``log`` puts an interval on a log scale; other labels, or log on values, change nothing."""
    _signature("tag", kwargs, ("sweep",))
    items = [*args, kwargs["sweep"]] if "sweep" in kwargs else args
    if not items or not isinstance(items[-1], Discrete | Interval):
        raise Malformed("tag() takes labels and then a sweep, e.g. tag(log, interval(0.0001, 0.1))")
    labels, sweep = items[:-1], items[-1]
    odd = [label for label in labels if not isinstance(label, str)]
    if odd:
        raise Malformed(f"tag() labels are words, not {odd[0]!r}")
    if "log" not in labels or not isinstance(sweep, Interval):
        return sweep
    if sweep.low <= 0:
        raise Malformed(f"a log scale needs a positive low bound, not {sweep.low}; e.g. tag(log, interval(1e-5, 0.1))")
    return Interval(sweep.low, sweep.high, log=True)


def _subject(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """What sort() or shuffle() reorders: a sweep (`Discrete`), a list, or a single value."""
    given = [key for key in ("sweep", "list") if key in kwargs]
    if len(given) + bool(args) != 1:
        raise Malformed(f"{name}() reorders one thing: values ({name}(3, 1, 2)), sweep=choice(...) or list=[...]")
    if given == ["sweep"] and not isinstance(kwargs["sweep"], Discrete):
        raise Malformed(f"{name}(sweep=...) takes choice(...) or range(...)")
    if given == ["list"] and not isinstance(kwargs["list"], list):
        raise Malformed(f"{name}(list=...) takes a list, e.g. {name}(list=[3, 1, 2])")
    if given:
        return kwargs[given[0]]
    if len(args) > 1:
        return Discrete(tuple(_plain(arg, f"{name}() of several values") for arg in args))
    if isinstance(args[0], Interval):
        raise Malformed(f"{name}() reorders choice(...) or range(...), not interval(...)")
    return args[0]


def _sort(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Hydra's sort: of a sweep a sweep, of a list a list, and ``sort(1)`` is 1."""
    _signature("sort", kwargs, ("sweep", "list", "reverse"))
    reverse = kwargs.pop("reverse", False)
    if not isinstance(reverse, bool):
        raise Malformed(f"sort() reverse= takes true or false, not {reverse!r}")
    subject = _subject("sort", args, kwargs)
    if not isinstance(subject, Discrete | list):
        return subject
    try:
        ordered = sorted(subject.values if isinstance(subject, Discrete) else subject, reverse=reverse)
    except TypeError:
        raise Malformed("sort() needs values that compare: all numbers or all strings") from None
    return Discrete(tuple(ordered)) if isinstance(subject, Discrete) else ordered


def _shuffle(args: list[Any], kwargs: dict[str, Any], rng: random.Random) -> Any:
    """Hydra's shuffle, in an order fixed by the text (Hydra's changes every run; xdist workers must agree)."""
    _signature("shuffle", kwargs, ("sweep", "list"))
    subject = _subject("shuffle", args, kwargs)
    if not isinstance(subject, Discrete | list):
        return [subject]  # shuffle(a) is [a], as in Hydra
    items = list(subject.values if isinstance(subject, Discrete) else subject)
    rng.shuffle(items)
    return Discrete(tuple(items)) if isinstance(subject, Discrete) else items

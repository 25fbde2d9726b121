"""How to write a name the language reads as arithmetic: W&B's ``val/f1``, ``val mAP``, ``batch-size``."""

from __future__ import annotations

import ast
import keyword
import re

from ..errors import SweepError
from .check import Checker
from .names import Read

# Names joined by / or - with nothing between: `val/f1`, `Train/losses/total`, `batch-size`.
JOINED = re.compile(r"(?<![\w.'\"])[^\W\d][\w.]*(?:[/-][\w.]+)+")
_COMPARISON = re.compile(r"==|!=|<=|>=|<|>")
_UNQUOTED = re.compile(r"\b(?P<reader>metric|param|baseline)\((?P<name>[^'\"()]+)\)")
# One side of a comparison that could be a name: words with no brackets, quotes or commas,
# from a letter to a letter or digit (`val mAP`, `recall@5`, `mAP_0.5:0.95`).
_NAME_LIKE = re.compile(r"[^\W\d][^\s()\[\]{},'\"]*(?: [^\s()\[\]{},'\"]+)*(?<=\w)")


def quoting_hint(name: str, kind: str = "metric") -> str:
    """`` (if val/f1 is one name, write metric("val/f1"))``: how to name what reads as arithmetic."""
    return f" (if {name} is one name, write {Read(kind, name)})"


def unreadable_hint(text: str) -> str:
    """How to quote a name that made ``text`` unreadable: ``metric(val mAP)``, or ``val mAP`` beside a comparison."""
    for unquoted in _UNQUOTED.finditer(text):
        if unquoted["name"].strip():
            return f" (the name goes in quotes: write {Read(unquoted['reader'], unquoted['name'].strip())})"
    for side in _COMPARISON.split(text):
        side = side.strip()
        if not _NAME_LIKE.fullmatch(side) or any(keyword.iskeyword(word) for word in side.split()):
            continue
        try:
            Checker(side).check(ast.parse(side, mode="eval").body)
        except (SyntaxError, ValueError, SweepError):
            return f" (if {side} is one name, write {Read('metric', side)}, or {Read('param', side)} for a parameter)"
    return ""


def joined_name(text: str, read: Read) -> str | None:
    """``val/f1`` where the bare name ``val`` stands in ``val/f1`` in ``text``, which divides by ``f1``."""
    if read.kind is not None:
        return None
    for match in JOINED.finditer(text):
        if read.name in re.split(r"[/-]", match.group()):
            return match.group()
    return None

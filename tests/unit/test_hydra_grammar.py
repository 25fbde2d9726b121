"""Hydra's sweeper grammar read into spaces (the session tests: tests/test_hydra_grammar.py)."""

from __future__ import annotations

import math
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sweep_plugin.errors import SweepError
from sweep_plugin.space import Distribution, Values, hydra_space, parse_space

PROPERTY = settings(max_examples=80, deadline=None)


RESERVED = {"true", "false", "null", "inf", "nan"}


words = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(lambda w: w.lower() not in RESERVED)


floats = st.floats(allow_nan=False, allow_infinity=False)


def quote(text: str) -> str:
    """``text`` in single quotes, escaped so Hydra's lexer reads it back.

    A quote closes the string when an even number of backslashes precede it, so
    backslashes before a quote (or before the closing one) are doubled.
    """
    out, run = [], 0
    for char in text:
        if char == "\\":
            run += 1
            continue
        out.append("\\" * (2 * run) + "\\'" if char == "'" else "\\" * run + char)
        run = 0
    return "'" + "".join(out) + "\\" * (2 * run) + "'"


texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


atoms = st.one_of(
    st.integers(-(10**12), 10**12), floats, st.booleans(), st.none(), words, texts.map(lambda t: ("q", t))
)


def plain(atom: Any) -> Any:
    return atom[1] if isinstance(atom, tuple) else atom


def written(atom: Any) -> str:
    if isinstance(atom, tuple):
        return quote(atom[1])
    if isinstance(atom, bool):
        return "true" if atom else "false"
    return "null" if atom is None else repr(atom) if isinstance(atom, float) else str(atom)


@pytest.mark.parametrize(
    ("text", "space"),
    [
        # choice and the comma list: values typed as Hydra types them
        ("choice(adam, sgd)", Values(("adam", "sgd"))),
        ("choice(1, 2.5, 1e-3, true, False, null)", Values((1, 2.5, 0.001, True, False, None))),
        ("choice('a,b', \"c d\", e f)", Values(("a,b", "c d", "e f"))),
        ("choice([1, 2], {a: 1})", Values(([1, 2], {"a": 1}))),
        ("relu,tanh,gelu", Values(("relu", "tanh", "gelu"))),
        ("0.1, 0.01,1_000,-3", Values((0.1, 0.01, 1000, -3))),
        ("a\\,b,c", Values(("a,b", "c"))),
        ("${model.lr},2", Values(("${model.lr}", 2))),
        ("choice (a , b)", Values(("a", "b"))),
        # range: stop excluded, floats unless all three are ints, steps in decimal
        ("range(0, 5)", Values((0, 1, 2, 3, 4))),
        ("range(0, 5, 2)", Values((0, 2, 4))),
        ("range(5, 0, -2)", Values((5, 3, 1))),
        ("range(0, 10, 3.3)", Values((0.0, 3.3, 6.6, 9.9))),
        ("range(0, 1, 0.25)", Values((0.0, 0.25, 0.5, 0.75))),
        ("range(0, 0.5, 0.1)", Values((0.0, 0.1, 0.2, 0.3, 0.4))),
        ("range(1.0, 4)", Values((1.0, 2.0, 3.0))),
        ("range(start=1, stop=6, step=2)", Values((1, 3, 5))),
        ("range(1, 6, step=2)", Values((1, 3, 5))),
        # interval: int bounds draw ints (as Hydra's Optuna and Nevergrad sweepers do), else floats
        ("interval(0.0001, 0.1)", Distribution("uniform", low=0.0001, high=0.1)),
        ("interval(0, 1.5)", Distribution("uniform", low=0.0, high=1.5)),
        ("interval(1, 8)", Distribution("int_uniform", low=1, high=8)),
        ("interval(start=0.5, end=1.0)", Distribution("uniform", low=0.5, high=1.0)),
        # tag: log puts an interval on a log scale; other labels, and log on values, change nothing
        ("tag(log, interval(1e-5, 1e-1))", Distribution("log_uniform_values", low=1e-5, high=0.1)),
        ("tag(log, interval(1, 1024))", Distribution("q_log_uniform_values", low=1, high=1024, q=1.0)),
        ("tag(log, foo, interval(0.5, 2.0))", Distribution("log_uniform_values", low=0.5, high=2.0)),
        ("tag(foo, interval(0.5, 2.0))", Distribution("uniform", low=0.5, high=2.0)),
        ("tag(log, choice(1, 10, 100))", Values((1, 10, 100))),
        ("tag(log, sweep=interval(0.1, 1.0))", Distribution("log_uniform_values", low=0.1, high=1.0)),
        # sort: a sweep stays a sweep, a list stays one value
        ("sort(3, 1, 2)", Values((1, 2, 3))),
        ("sort(choice(b, c, a), reverse=true)", Values(("c", "b", "a"))),
        ("sort(range(5, 0, -2))", Values((1, 3, 5))),
        ("sort(sweep=choice(2, 1))", Values((1, 2))),
        ("sort([3, 1, 2])", Values(([1, 2, 3],))),
        ("sort(list=[3, 1, 2], reverse=true)", Values(([3, 2, 1],))),
        ("sort(1)", Values((1,))),
    ],
)
def test_each_form_becomes_its_space(text: str, space: Any) -> None:
    assert parse_space(text) == space


@pytest.mark.parametrize(
    "text",
    ["shuffle(a, b, c, d)", "shuffle(choice(a, b, c, d))", "shuffle(sweep=choice(a, b, c, d))"],
)
def test_shuffle_keeps_the_values_in_an_order_fixed_by_the_text(text: str) -> None:
    space = parse_space(text)
    assert isinstance(space, Values) and sorted(space.values) == ["a", "b", "c", "d"]
    assert parse_space(text) == space  # every xdist worker collects the same order


def test_shuffle_of_a_range_and_of_a_list() -> None:
    shuffled = parse_space("shuffle(range(0, 20))")
    assert isinstance(shuffled, Values) and sorted(shuffled.values) == list(range(20))
    single = parse_space("shuffle(list=[1, 2, 3])")
    assert isinstance(single, Values) and len(single.values) == 1 and sorted(single.values[0]) == [1, 2, 3]


@pytest.mark.parametrize(
    "text",
    [
        "adam",
        "relu",
        "0.1",  # a YAML string that looks like a number stays that string
        "true",
        "/data/train set/part-1.csv",
        "Hello, world!",  # not Hydra's grammar ('!'): one string
        "x=1,y=2",
        "cosine(0.1)",  # a call of no Hydra function
        "choice",
        "",
    ],
)
def test_other_strings_stay_constants(text: str) -> None:
    assert hydra_space(text) is None
    assert parse_space(text) == Values((text,))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'/data/a,b.csv'", "/data/a,b.csv"),
        ('"a, b"', "a, b"),
        (r"'it\'s'", "it's"),
        (r'"ends in \\"', "ends in \\"),
    ],
)
def test_a_quoted_string_is_one_constant_without_its_quotes(text: str, value: str) -> None:
    assert parse_space(text) == Values((value,))


def test_only_a_bare_parameter_value_is_grammar() -> None:
    assert parse_space(["a,b", "interval(0, 1)"]) == Values(("a,b", "interval(0, 1)"))
    assert parse_space({"values": ["a,b"]}) == Values(("a,b",))
    assert parse_space({"value": "a,b"}) == Values(("a,b",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interval(0.1)", "interval() needs start and end; end missing (e.g. interval(0.0001, 0.1))"),
        ("interval(1, 0)", "the low bound must be below the high one; write interval(0, 1)"),
        ("interval(0, inf)", "interval() takes finite numbers, not inf"),
        ("interval(a, b)", "interval() takes finite numbers, not 'a'"),
        ("choice()", "choice() needs at least one value, e.g. choice(16, 32, 64)"),
        ("choice(a,)", "expected a value, found ')'"),
        ("choice(a, b", "expected a comma or ')' to close choice(, found the end"),
        ("choice(a, b!)", "character '!' at position 12 is not in Hydra's grammar; quote the value"),
        ("choice(x=1)", "choice() has no argument 'x'; it takes no named arguments"),
        ("choice(choice(1, 2))", "choice() holds values, not sweeps; write one sweep per parameter"),
        (
            "range(5, 1)",
            "range(5, 1, 1) has no values (stop is excluded); give a step of the other sign, e.g. range(5, 1, -1)",
        ),
        ("range(0, 1, 0)", "range() step must not be 0"),
        ("range(1, 2, 3, 4)", "range() takes at most 3 values (start, stop, step), got 4"),
        ("range(0, 1e9)", "range(0, 1000000000.0, 1) has 1000000000 values, more than 1000000; to draw*"),
        ("range(1, stop=5, 2)", "range(): a value after a named argument; put the named ones last"),
        ("range(1, start=2)", "range() got start twice"),
        ("tag(log, interval(0, 1))", "a log scale needs a positive low bound, not 0*"),
        ("tag(log)", "tag() takes labels and then a sweep, e.g. tag(log, interval(0.0001, 0.1))"),
        ("tag(1, interval(0.5, 1.0))", "tag() labels are words, not 1"),
        ("sort(interval(0, 1))", "sort() reorders choice(...) or range(...), not interval(...)"),
        ("sort(a, 1)", "sort() needs values that compare: all numbers or all strings"),
        ("shuffle()", "shuffle() reorders one thing*"),
        ("int(interval(1, 5))", "Hydra's int() cast is not supported here; write the values in the type you want*"),
        ("glob(*)", "glob() picks options of a Hydra config group*"),
        ("choices(a, b)", "unknown sweep function choices() in 'choices(a, b)' (did you mean choice()?)*"),
        ("choice(a, foo(1))", "unknown function foo(); Hydra's sweep functions are *"),
        ("a,,b", "'a,,b': a comma list with an empty item; remove the extra comma*"),
        ("a,b,", "'a,b,': a comma list with an empty item*"),
    ],
)
def test_malformed_grammar_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SweepError) as error:
        parse_space(text)
    assert fnmatchcase(str(error.value), f"*{message}"), str(error.value)


def test_an_integer_log_interval_draws_integers_spread_over_decades() -> None:
    space = parse_space("tag(log, interval(1, 1000))")
    assert isinstance(space, Distribution)
    draws = [space.from_unit(u / 100) for u in range(100)]
    assert {type(draw) for draw in draws} == {int}
    assert sum(draw < 10 for draw in draws) > 25 and min(draws) == 1 and 900 < max(draws) <= 1000


@PROPERTY
@given(values=st.lists(atoms, min_size=1, max_size=6), spaced=st.booleans(), explicit=st.booleans())
def test_choice_and_comma_lists_give_back_the_values_written(values: list[Any], spaced: bool, explicit: bool) -> None:
    body = (", " if spaced else ",").join(written(value) for value in values)
    if not explicit and len(values) < 2:
        return  # one bare value is a constant, not a list
    space = parse_space(f"choice({body})" if explicit else body)
    assert space == Values(tuple(plain(value) for value in values))


@PROPERTY
@given(start=st.integers(-50, 50), stop=st.integers(-50, 50), step=st.integers(-7, 7).filter(bool))
def test_an_int_range_is_pythons_range(start: int, stop: int, step: int) -> None:
    expected = list(range(start, stop, step))
    if not expected:
        with pytest.raises(SweepError, match="has no values"):
            parse_space(f"range({start}, {stop}, {step})")
        return
    space = parse_space(f"range({start}, {stop}, {step})")
    assert isinstance(space, Values) and list(space.values) == expected
    assert all(type(value) is int for value in space.values)


@PROPERTY
@given(start=st.integers(-500, 500), stop=st.integers(-500, 500), step=st.integers(-70, 70).filter(bool))
def test_a_decimal_float_range_holds_the_decimal_values_before_stop(start: int, stop: int, step: int) -> None:
    """range(a/100, b/100, s/100): the values a/100 + i*s/100 as written, stop excluded, as floats."""
    text = f"range({start / 100!r}, {stop / 100!r}, {step / 100!r})"
    count = max(0, math.ceil(Fraction(stop - start, step)))
    if count == 0:
        with pytest.raises(SweepError, match="has no values"):
            parse_space(text)
        return
    space = parse_space(text)
    assert isinstance(space, Values)
    assert list(space.values) == [float(Fraction(start + i * step, 100)) for i in range(count)]


@PROPERTY
@given(text=texts.filter(lambda t: not any(c in t for c in ",()") and t.strip()[:1] not in ("'", '"')))
def test_a_string_without_commas_or_calls_stays_the_same_constant(text: str) -> None:
    assert parse_space(text) == Values((text,))

"""Quoted names in expressions: parsed, read, judged and refused (the session tests: tests/test_expression_names.py)."""

from __future__ import annotations

import contextlib
import fnmatch
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sweep_plugin.errors import SweepError
from sweep_plugin.expressions import EvaluationError, Expression, Read, quoted
from sweep_plugin.search.base import check_constraint_names
from sweep_plugin.space import Values
from sweep_plugin.spec import Check, SweepSpec
from sweep_plugin.verdicts import hidden_names, missed_expectations

from .test_properties import atoms, compound, name_values, watching_builtins

PROPERTY = settings(max_examples=100, deadline=None)


ATTACK_NAMES = [
    "__import__('os').system('touch pwned')",
    '") or __import__("os").system("x") or ("',
    "'); import os; ('",
    "\\",
    "\x00",
    "\n",
    "\ud800",
    "val/f1",
    "val mAP",
    "Train/losses/total",
    "😀/f1",
]


def spec(
    named: dict[str, list[Any]] | None = None,
    *,
    expect: tuple[str, ...] = (),
    constraints: tuple[str, ...] = (),
    **spaces: list[Any],
) -> SweepSpec:
    """A sweep over ``spaces`` and ``named`` (for names that are no keyword: ``{"batch-size": ...}``)."""
    spaces = {**(named or {}), **spaces}
    return SweepSpec(
        name="s",
        file=Path("sweep_s.yaml"),
        display="sweep_s.yaml",
        line=1,
        spaces={path: Values(tuple(values)) for path, values in spaces.items()},
        expect=tuple(Check(Expression.parse(text), line=None) for text in expect),
        constraints=tuple(Check(Expression.parse(text), line=None) for text in constraints),
    )


metric_names = st.text(min_size=1, max_size=40) | st.sampled_from(ATTACK_NAMES)


short_names = st.text(min_size=1, max_size=12) | st.sampled_from(ATTACK_NAMES)  # several fit in one expression


reader_atoms = st.builds(
    lambda reader, name: f"{reader}({quoted(name)})", st.sampled_from(["metric", "param", "baseline"]), short_names
) | st.sampled_from(["metric(x)", "param()", 'baseline("a", "b")', "metric", "val/f1", "batch-size", "val mAP"])


@pytest.mark.parametrize(
    ("text", "names", "values", "expected"),
    [
        ('metric("val/f1") >= 0.8', ("val/f1",), {"val/f1": 0.9}, True),
        ("metric('Train/losses/total') < 1", ("Train/losses/total",), {"Train/losses/total": 2.5}, False),
        ('metric("val mAP") >= 0.5', ("val mAP",), {"val mAP": 0.5}, True),
        ('metric("eval-loss") * 2', ("eval-loss",), {"eval-loss": 0.25}, 0.5),
        ('param("batch-size") > 16 and lr < 1', ("batch-size", "lr"), {"batch-size": 32, "lr": 0.1}, True),
        (
            'abs(metric("val/f1") - metric("train/f1")) < 0.1',
            ("val/f1", "train/f1"),
            {"val/f1": 1, "train/f1": 0.8},
            False,
        ),
        (
            'metric("eval-loss") <= baseline("eval-loss") + 0.01',
            ("eval-loss", "baseline.eval-loss"),
            {"eval-loss": 0.3, "baseline.eval-loss": 0.295},
            True,
        ),
        ('param("optimizer") in ["adam", "sgd"]', ("optimizer",), {"optimizer": "sgd"}, True),
        ('metric("say \\"hi\\"") == 1', ('say "hi"',), {'say "hi"': 1}, True),
        ("metric('it\\'s') == 1", ("it's",), {"it's": 1}, True),
        ('metric("acc") + acc', ("acc",), {"acc": 2}, 4),  # one name, read two ways
        ('metric("données/précision") > 0', ("données/précision",), {"données/précision": 1}, True),
        ('metric("a" "/b") == 1', ("a/b",), {"a/b": 1}, True),  # Python joins adjacent literals
        ("metric + param", ("metric", "param"), {"metric": 1, "param": 2}, 3),  # bare, they are plain names
    ],
)
def test_quoted_names_are_read(text: str, names: tuple[str, ...], values: dict[str, Any], expected: Any) -> None:
    expression = Expression.parse(text)
    assert expression.names == names
    assert expression.evaluate(values) == expected


def test_each_reader_reads_its_own_scope() -> None:
    expression = Expression.parse('param("lr") < metric("lr") < baseline("lr")')
    assert expression.reads == (Read("param", "lr"), Read("metric", "lr"), Read("baseline", "lr"))
    assert expression.names == ("lr", "baseline.lr")
    scopes = {"param": {"lr": 0.1}, "metric": {"lr": 0.5}, "baseline": {"lr": 0.9}}
    assert expression.evaluate({"lr": 0.5, "baseline.lr": 0.9}, scopes) is True
    with pytest.raises(EvaluationError, match=r'^metric\("lr"\) is not defined'):
        expression.evaluate({}, {**scopes, "metric": {}})  # never falls back to the parameter


def test_quoted_reads_in_judging() -> None:
    sweep = spec(expect=('metric("val/f1") >= 0.8', 'metric("val mAP") >= 0.6', 'param("lr") < 1'), lr=[0.1])
    missed = missed_expectations(sweep, {"lr": 0.1}, {"val/f1": 0.9, "val mAP": 0.5, "lr": 7.0}, {})
    assert missed == ['sweep_s.yaml: metric("val mAP") >= 0.6: val mAP = 0.5']


def test_a_quoted_parameter_is_not_hidden_by_a_metric() -> None:
    params, metrics = {"training.lr": 0.1}, {"lr": 7.0, "acc": 1.0}
    assert hidden_names(spec({"training.lr": [0.1]}, expect=('param("lr") < 1',)), params, metrics) == []
    assert hidden_names(spec({"training.lr": [0.1]}, expect=("lr < 1",)), params, metrics) == ["lr"]
    assert missed_expectations(spec({"training.lr": [0.1]}, expect=('param("lr") < 1',)), params, metrics, {}) == []


def test_describe_shows_the_names_as_written_inside_the_quotes() -> None:
    expression = Expression.parse('metric("eval-loss") <= baseline("eval-loss")')
    shown = expression.describe({"eval-loss": 0.5, "baseline.eval-loss": 0.25})
    assert shown == 'metric("eval-loss") <= baseline("eval-loss"): eval-loss = 0.5, baseline.eval-loss = 0.25'
    assert expression.describe({}).endswith("eval-loss = <missing>, baseline.eval-loss = <missing>")


def test_describe_shows_both_of_two_readers_of_one_name() -> None:
    expression = Expression.parse('param("lr") > metric("lr")')
    shown = expression.describe({}, {"param": {"lr": 0.1}, "metric": {"lr": 0.5}})
    assert shown == 'param("lr") > metric("lr"): param("lr") = 0.1, metric("lr") = 0.5'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("metric(val/f1) >= 0.8", 'metric() takes one name in quotes, not metric(val/f1): write metric("val/f1")'),
        (
            "param(batch-size) > 16",
            'param() takes one name in quotes, not param(batch-size): write param("batch-size")',
        ),
        ("metric(val.f1) > 0", 'write metric("val.f1")'),
        ("metric() > 1", 'metric() takes one name in quotes, not metric(): write metric("val/f1")'),
        ('metric("a", "b") > 1', 'not metric("a", "b")'),
        ('metric(name="a") > 1', 'not metric(name="a")'),
        ('metric(*["a"]) > 1', "takes one name in quotes"),
        ('metric(f"{x}") > 1', "takes one name in quotes"),
        ('metric(b"x") > 1', "takes one name in quotes"),
        ("baseline(1) > 1", 'baseline() takes one name in quotes, not baseline(1): write baseline("val/f1")'),
        ('metric(metric("x")) > 1', "takes one name in quotes"),
        ('metric("") > 1', "metric() needs a name, not an empty string"),
        ('metric("x").real > 1', "attribute access is not allowed"),
        ('metric("x")("y")', "call of * is not allowed in expression"),
        ('metrics("x") > 1', "allowed: abs, min, max, log, metric, param, baseline"),
        ("metric(val mAP) >= 0.5", '(the name goes in quotes: write metric("val mAP"))'),
        ("val mAP >= 0.5", '(if val mAP is one name, write metric("val mAP"), or param("val mAP") for a parameter)'),
        ("0.5 < top 1 acc", '(if top 1 acc is one name, write metric("top 1 acc")'),
        (
            "recall@5 >= 0.5",
            'operator @ is not allowed in expression * (if recall@5 is one name, write metric("recall@5")',
        ),
        ("metrics/mAP_0.5:0.95 > 0.3", 'write metric("metrics/mAP_0.5:0.95")'),
    ],
)
def test_what_cannot_be_a_name_is_refused_with_the_way_to_write_it(text: str, message: str) -> None:
    with pytest.raises(SweepError) as caught:
        Expression.parse(text)
    assert fnmatch.fnmatchcase(str(caught.value), f"*{message}*"), str(caught.value)


@pytest.mark.parametrize(
    "text", ["(1 + 2", "x and y z", "x if", "__import__('os')", "1 >> 2 > 0", "acc >= 0.9 %", "acc => 0.9"]
)
def test_other_errors_suggest_no_quoting(text: str) -> None:
    with pytest.raises(SweepError) as caught:
        Expression.parse(text)
    assert "one name" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("val/f1 >= 0.8", """'val' is not defined (if val/f1 is one name, write metric("val/f1"))"""),
        (
            "Train/losses/total < 1",
            """'Train' is not defined (if Train/losses/total is one name, write metric("Train/losses/total"))""",
        ),
        ("0 < eval-loss", """'eval' is not defined (if eval-loss is one name, write metric("eval-loss"))"""),
        ("acc > 1", "'acc' is not defined"),
        ('metric("val/f1") > 1 or val > 0', "'val' is not defined"),  # inside quotes is no division
    ],
)
def test_a_name_read_as_arithmetic_suggests_the_quoted_form(text: str, message: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        Expression.parse(text).evaluate({"val/f1": 0.9, "Train/losses/total": 0.1, "eval-loss": 0.2})
    assert str(caught.value) == message


def test_the_suggestion_names_a_parameter_as_a_parameter() -> None:
    expression = Expression.parse("batch-size > 16")
    with pytest.raises(EvaluationError, match=r'write param\("batch-size"\)\)$'):
        expression.evaluate({"batch-size": 32}, {"param": {"batch-size": 32}, "metric": {}})


def test_an_unknown_quoted_name_suggests_a_close_one() -> None:
    with pytest.raises(
        EvaluationError, match=r'^metric\("val/f1"\) is not defined \(did you mean metric\("val_f1"\)\?\)$'
    ):
        Expression.parse('metric("val/f1") > 0').evaluate({}, {"metric": {"val_f1": 1.0}})


def test_a_constraint_reads_a_parameter_by_its_quoted_name() -> None:
    check_constraint_names(spec({"batch-size": [16, 64]}, constraints=('param("batch-size") <= 32',)))


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        (
            "batch-size <= 32",
            """constraints.0: 'batch' is not a parameter (if batch-size is one name, write param("batch-size"))""",
        ),
        ('metric("val/f1") > 0', 'constraints.0: metric("val/f1"): a constraint is checked before its trial runs*'),
        ('baseline("acc") > 0', 'constraints.0: baseline("acc"): a constraint is checked before its trial runs*'),
        ('param("batch_size") <= 32', "constraints.0: 'batch_size' is not a parameter (did you mean 'batch-size'?)"),
    ],
)
def test_a_constraint_that_reads_no_parameter_says_how_to_write_it(constraint: str, message: str) -> None:
    with pytest.raises(SweepError) as caught:
        check_constraint_names(spec({"batch-size": [16, 64]}, constraints=(constraint,)))
    assert fnmatch.fnmatchcase(str(caught.value), message), str(caught.value)


@PROPERTY
@given(
    name=metric_names,
    value=name_values,
    literal=st.sampled_from([quoted, repr]),
    reader=st.sampled_from(["metric", "param"]),
)
@example(name="__import__('os').system('touch pwned')", value=1.0, literal=repr, reader="metric")
def test_any_name_in_quotes_reads_its_value_and_runs_nothing(name: str, value: Any, literal: Any, reader: str) -> None:
    text = f"{reader}({literal(name)})"
    calls: list[str] = []
    with watching_builtins(calls):
        expression = Expression.parse(text)
        assert expression.names == (name,)
        assert expression.reads == (Read(reader, name),)
        result = expression.evaluate({name: value})
        scoped = expression.evaluate({}, {reader: {name: value}})
    assert calls == []
    assert result is value and scoped is value


@PROPERTY
@given(name=short_names, value=st.floats(allow_nan=False, allow_infinity=False), threshold=st.integers())
def test_a_quoted_name_compares_as_its_value(name: str, value: float, threshold: int) -> None:
    expression = Expression.parse(f"metric({quoted(name)}) >= {threshold} and param({quoted(name)}) == {value!r}")
    assert expression.evaluate({name: value}) is (value >= threshold)
    assert str(Read("metric", name)) == f"metric({quoted(name)})"  # what messages show can be pasted back


@PROPERTY
@given(text=st.recursive(atoms | reader_atoms, compound, max_leaves=8), data=st.data())
def test_expressions_with_readers_only_parse_evaluate_or_refuse(text: str, data: st.DataObject) -> None:
    calls: list[str] = []
    with watching_builtins(calls):
        try:
            expression: Expression | None = Expression.parse(text)
        except SweepError:
            expression = None
    if expression is not None:
        values = data.draw(st.fixed_dictionaries(dict.fromkeys(expression.names, name_values)), label="values")
        with watching_builtins(calls), contextlib.suppress(EvaluationError):
            expression.evaluate(values)
            expression.describe(values)
    assert calls == []

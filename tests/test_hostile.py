"""Hostile input: alias bombs, recursive anchors, path tricks and generated sweep files.

Whatever a sweep file holds, loading and planning it either works or raises
`SweepError` (a clean collection error); nothing else may escape.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from unit.test_hostile_files import sweep_files

ALIAS_BOMB = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALIAS_BOMB, "*expands to more than 1000000 values through aliases*"),
        ("parameters: &p {x: [1, *p]}\n", "*a recursive anchor*"),
        ("experiment: m:f\nexperiment: m:g\n", "sweep_x.yaml:2: experiment: duplicate key (first on line 1)"),
        ("expect: ['" + "x + " * 200 + "x > 1']\n", "*longer than 500 characters*"),
        ("expect: ['" + "-" * 40 + "x > 1']\n", "*nested deeper than 30*"),
    ],
    ids=["alias-bomb", "recursive-anchor", "duplicate-key", "long-expression", "deep-expression"],
)
def test_hostile_files_are_clean_collection_errors(pytester: pytest.Pytester, text: str, expected: str) -> None:
    pytester.makefile(".yaml", sweep_x=text)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([expected])
    assert "Traceback" not in result.stdout.str()


def test_string_values_cannot_move_trial_folders(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(models="def touch(config, trial):\n    (trial.dir / 'out.txt').write_text('x')\n")
    pytester.makefile(".yaml", sweep_x="experiment: models:touch\nparameters:\n  p: ['../../../escape', a/b]\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
    written = sorted(p.relative_to(pytester.path).as_posix() for p in pytester.path.rglob("out.txt"))
    assert len(written) == 2
    assert fnmatch.fnmatch(written[0], "reports/x/trials/p=.._.._.._escape_????????/out.txt")
    assert fnmatch.fnmatch(written[1], "reports/x/trials/p=a_b_????????/out.txt")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=sweep_files)
def test_generated_sweep_files_never_give_an_internal_error(pytester: pytest.Pytester, data: dict[str, Any]) -> None:
    pytester.makepyfile(models="def train(config):\n    return {'loss': 0.5}\n")
    pytester.makefile(".yaml", sweep_gen=yaml.safe_dump(data))
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.INTERRUPTED, pytest.ExitCode.NO_TESTS_COLLECTED)

"""regression: the statistics against scipy's own tests, and the pooled noise."""

from __future__ import annotations

import pytest
from scipy import stats

from sweep_plugin.records import Goal, Metric
from sweep_plugin.spec import Regression
from sweep_plugin.verdicts import Sides, compare, compare_all

RULE = Regression(Metric("acc", Goal.MAXIMIZE), tolerance=0.01, confidence=0.99)


def test_one_configuration_alone_is_scipys_paired_and_students_t_test() -> None:
    now, before = {0: 0.90, 1: 0.93, 2: 0.91, 3: 0.95}, {0: 0.93, 1: 0.94, 2: 0.95, 3: 0.96}
    paired = compare(Sides.of(now, before, RULE), RULE)
    expected = stats.ttest_rel([b - 0.01 for b in before.values()], list(now.values()), alternative="greater")
    assert paired.p_value == pytest.approx(expected.pvalue)
    assert paired.loss == pytest.approx(0.0225)
    other_seeds = {seed + 10: value for seed, value in before.items()}
    unpaired = compare(Sides.of(now, other_seeds, RULE), RULE)
    expected = stats.ttest_ind([b - 0.01 for b in before.values()], list(now.values()), alternative="greater")
    assert unpaired.p_value == pytest.approx(expected.pvalue)
    assert not unpaired.paired


def test_the_noise_is_pooled_over_the_sweeps_configurations() -> None:
    a = Sides.of({0: 1.0, 1: 2.0, 2: 3.0}, {0: 1.5, 1: 2.0, 2: 3.5}, RULE)
    b = Sides.of({0: 5.0, 1: 5.0, 2: 6.0}, {0: 5.0, 1: 6.0, 2: 6.0}, RULE)
    pooled = compare_all({"a": a, "b": b}, RULE)
    assert {c.df for c in pooled.values()} == {4}
    alone = compare_all({"a": a, "b": b}, Regression(RULE.metric, RULE.tolerance, RULE.confidence, pool=False))
    assert {c.df for c in alone.values()} == {2}
    assert alone["a"].loss == pooled["a"].loss

"""Trends across nights: the gate's bars and the step changes, without a session."""

from __future__ import annotations

import numpy as np

from sweep_plugin.report.trends import gate_bars, step_changes


def test_the_gates_bars_on_the_metric_are_drawn() -> None:
    gates = [
        {"sweep": "t", "checks": [{"check": "mean(acc) >= 0.6"}, {"check": "std(acc) <= 0.1"}]},
        {"sweep": "t", "checks": [{"check": "0.95 >= max(acc)"}, {"check": "mean(acc) >= 0.6"}]},
        {"sweep": "other", "checks": [{"check": "mean(acc) >= 0.1"}]},
    ]
    assert gate_bars(gates, "t", "acc") == [("mean(acc) >= 0.6", 0.6, ">="), ("0.95 >= max(acc)", 0.95, "<=")]


def test_steps_are_found_where_the_level_moves_and_not_in_noise() -> None:
    rng = np.random.default_rng(0)
    flat = [0.9 + rng.normal(0, 0.01) for _ in range(14)]
    assert step_changes(flat) == []
    stepped = [0.9 + rng.normal(0, 0.01) - (0.06 if i >= 9 else 0) for i in range(14)]
    assert step_changes(stepped) == [9]
    assert step_changes([0.9, 0.8, 0.7]) == []  # too short to tell

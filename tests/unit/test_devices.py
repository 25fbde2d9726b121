"""GPU shares, -n auto and resources, without a session."""

from __future__ import annotations

import pytest

from sweep_plugin.errors import SweepError
from sweep_plugin.roles.devices import auto_workers, worker_share
from sweep_plugin.spec import Resources, parse_resources


def test_shares_split_devices_evenly() -> None:
    devices = ["0", "1", "2", "3", "4"]
    assert [worker_share(devices, n, 2) for n in range(2)] == [["0", "1", "2"], ["3", "4"]]
    assert [worker_share(devices[:2], n, 3) for n in range(3)] == [["0"], ["1"], ["0"]]  # turns
    assert worker_share([], 0, 2) == []


def test_auto_workers_takes_the_tightest_limit() -> None:
    assert auto_workers(8, 16.0, 4, [Resources(memory_gb=4), Resources(gpus=2)]) == 2
    assert auto_workers(8, 6.0, 0, [Resources(memory_gb=4)]) == 1
    assert auto_workers(8, None, 0, [Resources(memory_gb=4)]) == 8
    assert auto_workers(2, 64.0, 8, [Resources()]) == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [({"gpu": 1}, "unknown key 'gpu'"), ({"gpus": 1.5}, "whole number of GPUs"), ({"memory_gb": -1}, "GB >= 0")],
)
def test_bad_resources_say_what_to_write(raw: dict[str, object], message: str) -> None:
    with pytest.raises(SweepError, match=message):
        parse_resources(raw)

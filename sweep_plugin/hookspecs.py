"""The hooks sweep_plugin calls, for a conftest or a plugin to implement.

Registered in ``pytest_addhooks``; implement them in a ``conftest.py`` as
any pytest hook, e.g. ``def pytest_sweep_record(record, config):
my_tracker.send(record)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .records import Record
    from .search import SearchMethod
    from .spec import SweepSpec


@pytest.hookspec(firstresult=True)
def pytest_sweep_search_method(spec: SweepSpec, config: pytest.Config) -> SearchMethod | None:
    """Return the search method for a sweep (``spec.method`` names it), or None to leave it to others.

    Called at collection on every process that collects, once per sweep.
    The plugin's own implementation (``trylast``) gives the built-in methods
    ``grid``, ``random`` and ``lhs``; return a `sweep_plugin.search.SearchMethod`
    to add one (a sweep file may name any method a plugin provides).
    """


def pytest_sweep_record(record: Record, config: pytest.Config) -> None:
    """Called with the final record of every trial of the session, on the process that gathers results.

    That is the only process without xdist, the controller with it. It comes
    as each trial ends (a retried trial: its last attempt), for a trial whose
    worker died, and for each result ``--sweep-resume`` reuses. ``record`` is
    a dict of JSON builtins (`sweep_plugin.records.Record`): send it to your
    own tracker, but do not change it.
    """


def pytest_sweep_finish(records: list[Record], config: pytest.Config) -> None:
    """Called once after the session with every trial's final record, before the report is written.

    On the process that gathers results (the only one without xdist, the
    controller with it), also after a failed or interrupted session that
    ran trials. The plugin's own implementation fails, in adaptive sweeps'
    Optuna studies, the trials whose worker died. ``records`` are read-only.
    """

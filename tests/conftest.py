"""Shared set-up for the plugin's own tests: cheap to import, so the unit layer pays for no session.

Two things only the session tests need, done for them alone:

- pytester's in-process runs drop the modules a run imported. Compiled modules
  (scipy) refuse a second import and pandas' extension types lose their
  identity, so the libraries the plugin imports lazily are imported once, up
  front, before a test's first session.
- Every session a test starts (in-process, or a ``python -m pytest``
  subprocess) would load every third-party pytest plugin installed beside the
  test tools: hypothesis' and hydra's import their whole libraries, seconds per
  process, and others (pytest-benchmark) warn at start-up, which a test of
  ``-W error`` would take for the plugin's fault. The sessions under test get
  the plugin and the ones it works with, whatever else the machine has:
  ``PYTEST_ADDOPTS`` turns the rest off there (pytester clears the variable
  for its runs; it is set again after it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest
from postgres import postgres_server, postgres_url  # noqa: F401 - fixtures for the tests that need a server

# The plugin and what its sessions use: xdist, timeouts, the JSON report, shards (pytest-split), retries.
SESSION_PLUGINS = {
    "sweep",
    "xdist",
    "xdist.looponfail",
    "timeout",
    "pytest_jsonreport",
    "metadata",
    "pytest-split",
    "rerunfailures",
}
SESSION_OPTIONS = " ".join(
    f"-p no:{plugin.name}" for plugin in entry_points(group="pytest11") if plugin.name not in SESSION_PLUGINS
)


@functools.cache
def _import_what_sessions_import() -> None:
    import matplotlib.pyplot  # noqa: F401
    import optuna.storages  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats.qmc  # noqa: F401
    import sqlalchemy.orm  # noqa: F401


@pytest.fixture(autouse=True)
def _sessions_under_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a test that starts sessions: the libraries they import kept, and no third-party plugin in them."""
    if "/unit/" in request.node.nodeid.replace("\\", "/"):
        yield
        return
    if "pytester" in request.fixturenames:
        _import_what_sessions_import()
        request.getfixturevalue("pytester")  # it clears PYTEST_ADDOPTS on set-up: set it after
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PYTEST_ADDOPTS", SESSION_OPTIONS)
        yield

"""The roles a pytest process plays, as pytest-xdist has them, and the plugin's edge to pytest.

`SweepWorker` runs where trials run (`worker`); the controller's parts
(`controller`) run where results are gathered. Without xdist one process
plays both. Each process keeps its `SweepContext` in ``config.stash``.

The names below are imported on first use, not with the package: the
plugin module reads the context in every session, and a session without
sweeps must not pay for the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import CONTEXT, SweepContext, sweep_context
    from .controller import controller_parts
    from .worker import SweepWorker, worker_id

__all__ = ["CONTEXT", "SweepContext", "SweepWorker", "controller_parts", "sweep_context", "worker_id"]
_HOMES = {
    "CONTEXT": "context",
    "SweepContext": "context",
    "sweep_context": "context",
    "controller_parts": "controller",
    "SweepWorker": "worker",
    "worker_id": "worker",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)

"""A trial of a Hydra project: the app's task function, called in-process with its composed config.

As Hydra's Optuna sweeper does: the config is composed with the project's
overrides and the trial's parameters, ``HydraConfig`` is set (so
``${hydra:runtime.output_dir}`` and ``HydraConfig.get()`` work), Hydra's run
and sweep folders are the trial's folder (where ``hydra.job.chdir`` asks, the
task runs there), and the task's return value is the objective: a number for
the sweep's metric, or one per metric for several.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import SweepError
from ..ids import file_digest, format_value
from ..records.outcomes import TrialError
from ..spec import HydraProject
from ..trial import Trial
from .experiment import import_file


@dataclass(frozen=True)
class HydraApp:
    """The task function of a Hydra app, and the metrics its return value stands for."""

    project: HydraProject
    function: Callable[[Any], Any]
    metrics: tuple[str, ...]
    reference: str
    code: str

    def run(self, config: dict[str, Any], trial: Trial) -> None:
        folder = str(trial.dir)
        overrides = tuple(f"{path}={hydra_value(value)}" for path, value in trial.params.items())
        quoted = "'" + folder.replace("\\", "\\\\").replace("'", "\\'") + "'"
        composed = self.project.compose((*overrides, f"hydra.run.dir={quoted}", f"hydra.sweep.dir={quoted}"))
        task_config = _as_run(composed, folder)
        with _working_dir(folder if composed.hydra.job.get("chdir") else None):
            returned = self.function(task_config)
        trial.finish(self._metrics(returned))

    def _metrics(self, returned: Any) -> dict[str, Any]:
        values = list(returned) if isinstance(returned, Sequence) and not isinstance(returned, str) else [returned]
        if len(values) != len(self.metrics) or not all(isinstance(v, int | float) for v in values):
            wanted = f"a number for {self.metrics[0]}" if len(self.metrics) == 1 else f"{len(self.metrics)} numbers"
            raise TrialError(f"{self.project.task}() returned {returned!r}: the objective is {wanted}")
        return dict(zip(self.metrics, values, strict=True))


def load_hydra_app(project: HydraProject, metrics: Sequence[str], reference: str) -> HydraApp:
    """Import the app (its folder first on ``sys.path``, as ``python app.py`` has it) and find its task function."""
    folder = str(project.app.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = import_file(f"_sweep_hydra_app_{file_digest(project.app)[:12]}", project.app, "the app", "hydra.app")
    decorated = getattr(module, project.task, None)
    function = getattr(decorated, "__wrapped__", None)  # @hydra.main keeps the task under functools.wraps
    if not callable(function):
        raise SweepError(f"{project.app.name} has no @hydra.main function {project.task}()", key="hydra.app")
    return HydraApp(project, function, tuple(metrics) or ("objective",), reference, file_digest(project.app))


def hydra_value(value: Any) -> str:
    """A parameter's value as a Hydra override writes it (strings quoted where the grammar would read them)."""
    if isinstance(value, str):
        return value if value.replace("_", "").replace("-", "").replace(".", "").isalnum() else repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(hydra_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{key}:{hydra_value(item)}" for key, item in value.items()) + "}"
    if isinstance(value, float):
        return repr(value)
    return format_value(value, precise=True)


def _as_run(composed: Any, folder: str) -> Any:
    """``HydraConfig`` set as a run sets it, and the task's config without its ``hydra`` node."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import open_dict, read_write

    with read_write(composed.hydra), open_dict(composed.hydra):
        composed.hydra.runtime.output_dir = folder
        composed.hydra.runtime.cwd = composed.hydra.runtime.get("cwd") or os.getcwd()
    HydraConfig.instance().set_config(composed)
    task_config = composed.copy()
    with read_write(task_config), open_dict(task_config):
        del task_config["hydra"]
    return task_config


@contextlib.contextmanager
def _working_dir(folder: str | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    before = os.getcwd()
    os.makedirs(folder, exist_ok=True)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)

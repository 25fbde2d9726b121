"""Collection: a sweep file becomes a `SweepFile`, each of its trials a `TrialItem`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .context import SweepContext, SweepWarning
from .errors import SweepError
from .experiment import call_experiment
from .spec import SweepSpec, load_sweep_file
from .sweeprun import TrialCase, prepare_sweep, slot_marks
from .trialrun import started


def display_path(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)


class SweepFile(pytest.File):
    """A sweep YAML file; a `pytest.File`, so ``--lf`` can skip it whole."""

    def __init__(self, *, context: SweepContext, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context

    def collect(self) -> Iterator[TrialItem]:
        display = display_path(self.path, self.context.settings.rootdir)
        try:
            for spec in load_sweep_file(self.path, display):
                yield from self._collect_sweep(spec)
        except SweepError as exc:
            raise self.CollectError(str(exc)) from None

    def _collect_sweep(self, spec: SweepSpec) -> Iterator[TrialItem]:
        settings = self.context.settings
        for warning in spec.warnings:
            self.warn(SweepWarning(f"{spec.display}: {warning}"))
        if spec.early_terminate and not settings.store and hasattr(self.config, "workerinput"):
            message = "early_terminate sees only this worker's trials with the store off"
            self.warn(SweepWarning(f"{spec.display}: {message}"))
        try:
            run = prepare_sweep(spec, f"{self.nodeid}::{spec.name}", self.config, settings, with_target=True)
        except SweepError as exc:
            raise exc.located(spec.display, spec.line_of(exc.key.partition(".")[0]) or spec.line) from None
        self.context.notes.extend(run.plan.notes)
        for slot in run.plan.slots:
            name = f"{spec.name}[{slot.id}]"
            # The node id is given as a string so that pytest parses ``[trial id]`` as the
            # parameters (pytest >= 9.2 compares structured ids: this keeps --lf working).
            case = TrialCase(run, slot)
            yield TrialItem.from_parent(self, name=name, nodeid=f"{self.nodeid}::{name}", case=case)


class TrialItem(pytest.Item):
    """One trial of a sweep file: runs the experiment or command (the worker judges it)."""

    def __init__(self, *, case: TrialCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sweep_case = case
        for mark in slot_marks(case.sweep, case.slot):
            self.add_marker(mark)

    def runtest(self) -> None:
        __tracebackhide__ = True
        run = started(self)
        target = self.sweep_case.sweep.target
        assert run is not None and target is not None, "the sweep worker starts every trial in its setup"
        target.run(run.config_copy(), run.handle)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """Show the experiment's own traceback, from its first frame on, without hidden frames."""
        entries = excinfo.traceback
        calls = [i for i, entry in enumerate(entries) if entry.frame.code.name == call_experiment.__name__]
        if calls:
            excinfo.traceback = entries[calls[-1] + 1 :].filter(excinfo)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.sweep_case.sweep.spec.line
        return self.path, (line - 1 if line else None), self.name

"""Sweep files: a file becomes a `SweepFile`, each of its trials a `TrialItem`; which files are sweeps.

A file named on the command line is collected whatever its name, as pytest
does for Python test files; under a folder, the sweep patterns decide.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import SweepError, SweepWarning
from ..running import TrialCase, started
from ..running.experiment import call_experiment
from ..spec import Resources, SweepSpec, load_sweep_file, not_a_sweep
from ..wandb_compat import envvar_warnings
from .prepare import prepare_sweep, slot_marks

if TYPE_CHECKING:
    from ..settings import Settings


def display_path(path: Path, rootdir: Path) -> str:
    try:
        return path.relative_to(rootdir).as_posix()
    except ValueError:
        return str(path)


# Every trial item sweep files made this session, selected or not: ``-k``, ``--lf`` and node ids pick
# among them, and a continuation's report shows the others (`roles.continuation`).
COLLECTED = pytest.StashKey[list[pytest.Item]]()


class SweepFile(pytest.File):
    """A sweep YAML file; a `pytest.File`, so ``--lf`` can skip it whole."""

    def __init__(self, *, settings: Settings, notes: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.notes = notes  # what collection tells the user (the session's list, shared)

    def collect(self) -> Iterator[TrialItem]:
        display = display_path(self.path, self.settings.rootdir)
        try:
            specs = load_sweep_file(self.path, display)
            for spec in specs:
                yield from self._collect_sweep(spec)
        except SweepError as exc:
            raise self.CollectError(str(exc)) from None
        if not specs and self.session.isinitpath(self.path):  # named on the command line: never silent
            self.notes.append(not_a_sweep(self.path, display))

    def _collect_sweep(self, spec: SweepSpec) -> Iterator[TrialItem]:
        settings = self.settings
        for warning in (*spec.warnings, *envvar_warnings(spec.command)):
            self.warn(SweepWarning(f"{spec.display}: {warning}"))
        if spec.early_terminate and not settings.store and hasattr(self.config, "workerinput"):
            message = "early_terminate sees only this worker's trials with the store off"
            self.warn(SweepWarning(f"{spec.display}: {message}"))
        try:
            run, marks = prepare_sweep(spec, f"{self.nodeid}::{spec.name}", self.config, settings, with_target=True)
        except SweepError as exc:
            raise exc.located(spec.display, spec.line_of(exc.key.partition(".")[0]) or spec.line) from None
        self.notes.extend(run.plan.notes)
        for slot in run.plan.slots:
            name = f"{spec.name}[{slot.id}]"
            # The node id is given as a string so that pytest parses ``[trial id]`` as the
            # parameters (pytest >= 9.2 compares structured ids: this keeps --lf working).
            case = TrialCase(run, slot)
            item = TrialItem.from_parent(self, name=name, nodeid=f"{self.nodeid}::{name}", case=case)
            for mark in slot_marks(marks, slot):
                item.add_marker(mark)
            self.config.stash.setdefault(COLLECTED, []).append(item)
            yield item


class TrialItem(pytest.Item):
    """One trial of a sweep file: runs the experiment or command (the worker judges it)."""

    def __init__(self, *, case: TrialCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sweep_case = case

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


def sweep_resources(
    args: Sequence[str], start: Path, patterns: Sequence[str], skip: Sequence[str] = ()
) -> list[Resources] | None:
    """What the trials of the sweep files under ``args`` need (for ``-n auto``); None if there are none.

    One walk per folder, past hidden folders and those ``skip`` (pytest's ``norecursedirs``) matches.
    """
    files: list[Path] = []
    for arg in args:
        path = start / arg.split("::", 1)[0]
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            files.append(path)
        elif path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = [
                    name
                    for name in subfolders
                    if not name.startswith(".") and not any(fnmatch.fnmatch(name, glob) for glob in skip)
                ]
                files += [
                    Path(folder) / name for name in sorted(names) if any(fnmatch.fnmatch(name, p) for p in patterns)
                ]
    needs = []
    for file in dict.fromkeys(files):
        try:
            needs += [spec.resources for spec in load_sweep_file(file)]
        except (SweepError, OSError):
            continue  # collection will say what is wrong with it
    return needs or None

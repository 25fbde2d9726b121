"""What a running command trial reports, fed to its `Trial` while the program writes it.

A program reports through the metrics file (JSON lines, or one final
object) and, if it uses W&B, through its W&B run file. Both are read every
`POLL_S` while it runs, so each logged step is a pruning point as it is in
an in-process experiment: early termination stops a lagging program
mid-run. Once the program has ended, the rest is read without pruning (a
trial that finished keeps its result; the values still reach the store).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .outcomes import Pruned
from .trial import Trial
from .wandblog import Logged, RunLog, RunLogError

POLL_S = 0.2


@dataclass
class MetricsFile:
    """The file named by ``SWEEP_METRICS_FILE``, read a whole line at a time."""

    path: Path
    _offset: int = 0
    _line: int = 0  # lines taken so far
    _stalled: bool = False  # a line that is not a metrics entry: the rest waits for the end

    def follow(self, trial: Trial) -> None:
        """Take the complete lines written since the last call; ``Pruned`` stops the program."""
        if self._stalled:
            return
        text = self._unread()
        for line in text[: text.rfind("\n") + 1].splitlines(keepends=True):
            if line.strip() and not _taken(line, trial):
                self._stalled = True  # perhaps an object written over many lines: `finish` reads it
                return
            self._offset += len(line.encode("utf-8"))
            self._line += 1

    def finish(self, trial: Trial) -> str | None:
        """Take the rest once the program ended; a message naming file and line if it is bad."""
        text = self._unread()
        if self._offset == 0:
            whole = _whole_object(text)
            if whole is not None:
                return self._problem(take_final(whole, trial))
        for number, line in enumerate(text.splitlines(), start=self._line + 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError as exc:
                return f"{self.path}:{number}: not a JSON object: {exc}"
            problem = take_final(entry, trial)
            if problem:
                return f"{self.path}:{number}: {problem}"
        return None

    def _unread(self) -> str:
        try:
            with self.path.open("rb") as file:
                file.seek(self._offset)
                return file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _problem(self, problem: str | None) -> str | None:
        return f"{self.path}: {problem}" if problem else None


@dataclass
class Reports:
    """Everything one command trial reports: its metrics file and its W&B run."""

    trial: Trial
    metrics: MetricsFile
    run: RunLog
    run_problem: str | None = None
    pruned: bool = False

    def follow(self) -> None:
        """Called while the program runs: take what it wrote; ``Pruned`` propagates (stop it)."""
        try:
            self.metrics.follow(self.trial)
            for logged in self._wandb():
                self.trial.log(step=logged.step, **logged.metrics)
        except Pruned:
            self.pruned = True
            raise

    def finish(self) -> str | None:
        """Called once the program ended: the rest, and the W&B summary as final metrics."""
        if self.pruned:  # what came after the verdict is not part of the trial
            return None
        problem = self.metrics.finish(self.trial)
        for logged in self._wandb():
            with contextlib.suppress(Pruned):
                self.trial.log(step=logged.step, **logged.metrics)
        self.trial.finish(self.run.final_metrics())
        return "; ".join(filter(None, [problem, self.run_problem])) or None

    def _wandb(self) -> list[Logged]:
        if self.run_problem:
            return []
        try:
            return self.run.read()
        except (RunLogError, OSError) as exc:
            self.run_problem = f"{self.run.path() or 'the W&B run'}: {exc}"
            return []


def take_metrics(entry: Any, trial: Trial) -> str | None:
    """Log one metrics entry: with ``step`` a history point, without it final metrics."""
    if not isinstance(entry, dict):
        return f"expected a JSON object of metrics, got {json.dumps(entry)[:80]}"
    values = {str(name): value for name, value in entry.items() if name != "step"}
    try:
        if "step" not in entry:
            trial.finish(values)
            return None
        step = entry["step"]
        if isinstance(step, bool) or not isinstance(step, int | float) or not float(step).is_integer():
            return f"step must be a whole number, not {json.dumps(step)}"
        trial.log(step=int(step), **values)
    except TypeError as exc:
        return str(exc)
    return None


def take_final(entry: Any, trial: Trial) -> str | None:
    """`take_metrics` after the program ended: the values count, a pruning verdict no longer does."""
    with contextlib.suppress(Pruned):
        return take_metrics(entry, trial)
    return None


def _taken(line: str, trial: Trial) -> bool:
    """Whether a line was a good metrics entry, now logged (a bad one waits for the end's message)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return take_metrics(entry, trial) is None


def _whole_object(text: str) -> dict[str, Any] | None:
    """The file as one JSON object, if it is one (a final-metrics file written with ``indent``)."""
    try:
        whole = json.loads(text)
    except ValueError:
        return None
    return whole if isinstance(whole, dict) else None

"""What a running command trial reports, fed to its `Trial` while the program writes it.

A program reports through the metrics file (JSON lines appended as it goes,
or one final object) and, if it uses W&B, through its W&B run file. Both are
read every `POLL_S` while it runs, so each logged step is a pruning point as
it is in an in-process experiment: early termination stops a lagging program
mid-run, and nothing it writes after the verdict is read. Once the program
has ended by itself, the rest is read without pruning (a trial that finished
keeps its result).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..records.outcomes import Pruned
from ..trial import Trial
from ..wandb_compat.runfile import RunLog

POLL_S = 0.2


@dataclass
class MetricsFile:
    """The file named by ``SWEEP_METRICS_FILE``, read a whole line at a time.

    It is read in bytes, so a line that is not valid UTF-8 cannot shift the
    place reading resumes from. A file that no longer starts with what was
    read (the program rewrote it) is read again from its start.
    """

    path: Path
    _offset: int = 0
    _line: int = 0  # lines taken so far
    _last: bytes = b""  # the last line taken, to notice a rewritten file
    _stalled: bool = False  # a line that is not a metrics entry: the rest waits for the end
    _problem: str | None = None  # the file could not be read

    def follow(self, trial: Trial) -> None:
        """Take the complete lines written since the last call; ``Pruned`` stops the program."""
        if self._stalled:
            return
        data = self._unread()
        for raw in data.split(b"\n")[:-1]:  # the complete lines
            if raw.strip() and take_metrics(_entry(raw), trial) is not None:
                self._stalled = True  # perhaps an object written over many lines: `finish` reads it
                return
            self._offset += len(raw) + 1
            self._line += 1
            self._last = raw + b"\n"

    def finish(self, trial: Trial) -> str | None:
        """Take the rest once the program ended; a message naming file and line if it is bad."""
        data = self._unread()
        if self._problem:
            return self._problem
        if self._offset == 0:
            whole = _entry(data)
            if isinstance(whole, dict):  # one object, perhaps written with `indent`
                return self._at(None, take_final(whole, trial))
        for number, raw in enumerate(data.split(b"\n"), start=self._line + 1):
            if not raw.strip():
                continue
            problem = take_final(_entry(raw), trial)
            if problem:
                return self._at(number, problem)
        return None

    def _unread(self) -> bytes:
        """What was written since the last read; all of it again if the file was rewritten."""
        try:
            with self.path.open("rb") as file:
                if self._offset:
                    file.seek(self._offset - len(self._last))
                    if file.read(len(self._last)) != self._last:  # shorter, or other bytes: rewritten
                        self._offset = self._line = 0
                        self._last = b""
                        self._stalled = False
                file.seek(self._offset)
                return file.read()
        except FileNotFoundError:
            return b""
        except OSError as exc:
            self._problem = f"{self.path}: cannot read metrics: {exc.strerror or exc}"
            return b""

    def _at(self, line: int | None, problem: str | None) -> str | None:
        if not problem:
            return None
        return f"{self.path}:{line}: {problem}" if line else f"{self.path}: {problem}"


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
            self._log_wandb()
        except Pruned:
            self.pruned = True
            raise

    def finish(self) -> str | None:
        """Called once the program ended: the rest, and the W&B summary as final metrics.

        After a pruning verdict nothing more is read: what came after it is not part of the trial.
        """
        if self.pruned:
            return None
        problem = self.metrics.finish(self.trial)
        with contextlib.suppress(Pruned):
            self._log_wandb()
        if not self.run_problem:
            self.trial.finish(self.run.final_metrics())
        return "; ".join(filter(None, [problem, self.run_problem])) or None

    def _log_wandb(self) -> None:
        """Log what the W&B run file holds since the last call (a pruning verdict stops at its step)."""
        if self.run_problem:
            return
        try:
            logged = self.run.read()
        except Exception as exc:  # an unreadable or undecodable run file is the trial's problem, not ours
            self.run_problem = f"{self.run.path() or 'the W&B run'}: {exc}"
            return
        for point in logged:
            self.trial.record(point.step, point.metrics)


def take_metrics(entry: Any, trial: Trial) -> str | None:
    """Log one metrics entry: with ``step`` a history point, without it final metrics."""
    if isinstance(entry, ValueError):
        return f"not a JSON object: {entry}"
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
        trial.record(int(step), values)
    except TypeError as exc:
        return str(exc)
    return None


def take_final(entry: Any, trial: Trial) -> str | None:
    """`take_metrics` after the program ended: the values count, a pruning verdict no longer does."""
    with contextlib.suppress(Pruned):
        return take_metrics(entry, trial)
    return None


def _entry(raw: bytes) -> Any:
    """One JSON value of the file, or the `ValueError` saying why it is none."""
    try:
        return json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as exc:
        return exc

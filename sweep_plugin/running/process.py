"""A trial's program as a process: its own process group, its output in log files, and how it ended.

The process gets its own process group, so a timeout, a Ctrl-C or a normal
exit can take down everything it started. A process that leaves the group
(``setsid``, a daemon's double fork) still carries the trial's token in its
environment (`TOKEN_VARIABLE`): on Linux, where ``/proc`` shows every
process's environment, those are ended too when the trial ends. What clears
its environment (``env -i``) or runs elsewhere (``ssh``, a container daemon)
escapes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..records import TrialCrashed
from .follow import POLL_S

STDOUT_FILE = "stdout.log"
STDERR_FILE = "stderr.log"
STDERR_TAIL_LINES = 20
STDERR_TAIL_BYTES = 64 * 1024
TOKEN_VARIABLE = "SWEEP_TRIAL_TOKEN"  # in the environment of every process a trial's program starts


def run_process(
    argv: list[str],
    env: dict[str, str],
    folder: Path,
    grace_s: float,
    cwd: Path | None,
    follow: Callable[[], None],
) -> int:
    """Run ``argv`` in its own process group, output to log files in ``folder``; its exit status.

    ``follow`` is called every `POLL_S` while it runs. Whatever ends the
    wait early (a pruning verdict from ``follow``, pytest-timeout's
    ``Failed``, Ctrl-C) stops the whole group before it propagates; after a
    normal exit, what is left of the group (children left running in the
    background) is killed.
    """
    token = uuid.uuid4().hex
    with (folder / STDOUT_FILE).open("wb") as out, (folder / STDERR_FILE).open("wb") as err:
        process = start_process(argv, {**env, TOKEN_VARIABLE: token}, out, err, cwd)
        try:
            while True:
                try:
                    returncode = process.wait(timeout=POLL_S)
                    break
                except subprocess.TimeoutExpired:
                    follow()
        except BaseException:
            stop_group(process, grace_s)
            end_escaped(token)
            raise
    signal_group(process.pid, signal.SIGKILL)
    end_escaped(token)
    return returncode


def end_escaped(token: str, rounds: int = 5) -> int:
    """SIGKILL every process that carries ``token`` in its environment (left the group: ``setsid``); how many.

    Looked for again after each round, since a daemon may fork once more while it is killed. Linux only (it
    reads ``/proc/<pid>/environ``); elsewhere nothing is found.
    """
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    ended = 0
    for _ in range(rounds):
        found = [pid for pid in _pids() if marker in _environ(pid)]
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        ended += len(found)
        if not found:
            break
    return ended


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) != os.getpid()]
    except OSError:
        return []


def _environ(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return []


def start_process(
    argv: list[str], env: dict[str, str], out: IO[bytes], err: IO[bytes], cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with no stdin; a program that cannot start is a crashed trial with a plain message."""
    try:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
    except FileNotFoundError:
        raise TrialCrashed(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise TrialCrashed(f"command is not executable: {argv[0]}") from None


def stop_group(process: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the process group, wait up to ``grace_s`` for its leader, then SIGKILL the group.

    The SIGKILL comes even if the wait is itself interrupted (a second Ctrl-C).
    """
    try:
        signal_group(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    finally:
        signal_group(process.pid, signal.SIGKILL)
        process.wait()


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send ``signum`` to a process group; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def crash_message(returncode: int, stderr: Path, problem: str | None) -> str:
    """How the process ended, then the tail of its stderr (the whole log stays in ``stderr``)."""
    if returncode < 0:
        head = f"command killed by signal {-returncode} ({_signal_name(-returncode)})"
    else:
        head = f"command exited with code {returncode}"
    lines = [head]
    tail = stderr_tail(stderr)
    if tail:
        lines += [f"--- last lines of {stderr} ---", *tail]
    if problem:
        lines.append(f"metrics: {problem}")
    return "\n".join(lines)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def stderr_tail(path: Path, lines: int = STDERR_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of a log, reading only its end (a log can be huge)."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - STDERR_TAIL_BYTES))
            text = log.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return text.rstrip().splitlines()[-lines:] if text.strip() else []

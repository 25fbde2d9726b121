"""Publishing a report whole: written into a staging folder, then moved into place at once.

A report is a set of files that must agree (report.json, summary.csv, the
sweep folders, index.html). They are written into a temporary folder inside
the report folder; only when all are there are they moved into place, one
``os.replace`` each, under an exclusive lock on the report folder and with
interrupts held back for those few renames. A kill or Ctrl-C while the
report is written leaves the previous report as it was, and two sessions
that share a report folder each publish a whole set in turn.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .folder import previous_files, remove_stale, write_manifest

LOCK_FILE = ".report.lock"
LOCK_WAIT_S = 60.0
STAGING_PREFIX = ".staging-"
STALE_STAGING_S = 3600.0


class ReportBusy(OSError):
    """Another session held the report folder for longer than we wait."""


class ReportInterrupted(Exception):
    """The user asked twice to stop while the report was written: it is left unpublished."""


@contextlib.contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A fresh folder inside ``out`` for the new report's files, removed afterwards.

    Staging folders that a killed session left behind (older than ``STALE_STAGING_S``) go too.
    """
    for left in out.glob(f"{STAGING_PREFIX}*"):
        with contextlib.suppress(OSError):
            if time.time() - left.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(left, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, out: Path, files: Iterable[Path], complete: bool = True) -> list[Path]:
    """Move ``files`` (relative to ``staging``) into ``out``, the earlier report's others out; the paths in place.

    Only files the earlier report listed in its manifest are removed, and only after a ``complete`` report: when a
    file could not be written this time, the earlier one stays (and stays listed) rather than leave a hole.
    """
    placed = []
    files = list(files)
    with exclusive(out / LOCK_FILE), _signals_held():
        earlier = previous_files(out) or set()
        for relative in files:
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target)
            placed.append(target)
        listed = set(files)
        if complete:
            remove_stale(out, earlier - listed)
        else:
            listed |= {relative for relative in earlier if (out / relative).exists()}
        write_manifest(out, listed)
    return placed


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (POSIX ``flock``; elsewhere no lock)."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield
        return
    with lock_path.open("a") as handle:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    message = f"{lock_path.parent} is busy: another session has been writing its report for long"
                    raise ReportBusy(message) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the files move (delivered right after)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

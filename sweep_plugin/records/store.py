"""The result store: every finished trial, on disk before the next one starts.

One SQLite file under the report folder, written by whichever process ran
the trial (and after a session by the controller: what the session took,
for the next estimate). WAL mode and a busy timeout let several xdist
workers and several pytest sessions write at once; a crash or SIGKILL
loses at most the trials that were running. Tables are created if missing,
so a store an older version wrote opens and gains the new ones.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .estimate import SessionTime
from .schema import FINISHED, Record

BUSY_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Stored:
    """A stored record (JSON text, decoded by who uses it) and the session and time that stored it."""

    session: str
    finished_at: float
    record: str


MEMORY = Path(":memory:")  # a store for this process only (when the file store is off)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    session TEXT NOT NULL,
    nodeid TEXT NOT NULL,
    hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    finished_at REAL NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (session, nodeid)
);
CREATE INDEX IF NOT EXISTS trials_by_hash ON trials (hash, finished_at);
CREATE INDEX IF NOT EXISTS trials_by_nodeid ON trials (nodeid, finished_at);
CREATE TABLE IF NOT EXISTS steps (
    session TEXT NOT NULL,
    sweep TEXT NOT NULL,
    step INTEGER NOT NULL,
    trial TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (session, sweep, step, trial)
);
CREATE TABLE IF NOT EXISTS sessions (
    session TEXT PRIMARY KEY,
    finished_at REAL NOT NULL,
    wall_s REAL NOT NULL,
    trials INTEGER NOT NULL,
    workers INTEGER NOT NULL,
    trial_s REAL NOT NULL,
    longest_s REAL NOT NULL,
    report INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_time ON sessions (report, finished_at);
"""


# Per hash asked for, the newest finished record: one walk back along the (hash, finished_at) index.
_LATEST_FINISHED = f"""
SELECT wanted.key, (
    SELECT record FROM trials
    WHERE trials.hash = wanted.key AND outcome IN ({", ".join(f"'{outcome}'" for outcome in sorted(FINISHED))})
        AND finished_at < ?
    ORDER BY finished_at DESC LIMIT 1
) FROM wanted
"""


# Per hash asked for, the newest record of any outcome, with the session and time it came from.
_LATEST_ANY = """
SELECT wanted.key, trials.session, trials.finished_at, trials.record FROM wanted JOIN trials ON trials.rowid = (
    SELECT rowid FROM trials WHERE trials.hash = wanted.key AND finished_at < ?
    ORDER BY finished_at DESC LIMIT 1
)
"""

_LATEST_DURATION = """
SELECT wanted.key, (
    SELECT json_extract(record, '$.duration_s') FROM trials
    WHERE trials.nodeid = wanted.key AND outcome IN ('passed', 'failed', 'pruned', 'timeout')
        AND finished_at < ?
    ORDER BY finished_at DESC LIMIT 1
) FROM wanted
"""


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Switch a (maybe new) database to WAL; retried, since SQLite does not wait for this one."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class StoreError(Exception):
    """The store cannot be opened, read or written: a full disk, a read-only folder, a corrupt file."""


class ResultStore:
    """Trial records in SQLite; the connection is opened on first use, per process.

    Every failure of the file or the database is a `StoreError` naming the
    file, so the plugin can warn once and go on without the store.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    @contextlib.contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: {type(exc).__name__}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if self.path != MEMORY:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _switch_to_wal(connection)
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.executescript(_SCHEMA)
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def put(self, session: str, record: Record) -> None:
        """Store one trial's record under its hash (a rerun in the same session replaces it)."""
        text = json.dumps(record, default=str)
        row = (session, record["nodeid"], record["hash"], record["outcome"], time.time(), text)
        with self._guard() as connection:
            connection.execute("INSERT OR REPLACE INTO trials VALUES (?, ?, ?, ?, ?, ?)", row)

    def finished(self, hashes: Iterable[str], before: float) -> dict[str, str]:
        """The latest finished (passed or failed) record of each of ``hashes``, stored before ``before``.

        Looked up through the hash index, so the cost follows the trials asked
        for, not the store's age; records stay JSON text, for resume to decode
        only the ones it reuses.
        """
        rows = self._per_key(_LATEST_FINISHED, hashes, before)
        return {digest: record for digest, record in rows if record is not None}

    def latest(self, hashes: Iterable[str], before: float) -> dict[str, Stored]:
        """The newest record of each of ``hashes``, whatever its outcome, stored before ``before``: what a
        report of the whole sweep shows for a trial not run now."""
        rows = self._per_key(_LATEST_ANY, hashes, before)
        return {key: Stored(session, finished_at, record) for key, session, finished_at, record in rows}

    def durations(self, nodeids: Iterable[str], before: float) -> dict[str, float]:
        """The newest duration of each of ``nodeids`` stored before ``before`` (any session; a trial that ran
        its course: passed, failed, pruned or timed out), through the node id index."""
        rows = self._per_key(_LATEST_DURATION, nodeids, before)
        return {nodeid: float(seconds) for nodeid, seconds in rows if isinstance(seconds, int | float) and seconds >= 0}

    def _per_key(self, query: str, keys: Iterable[str], before: float) -> list[tuple[Any, ...]]:
        """``query`` (one row per row of the temp table ``wanted``) for ``keys``, in one transaction."""
        with self._guard() as connection:
            connection.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
            connection.execute("BEGIN")
            try:
                connection.execute("DELETE FROM wanted")
                connection.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((key,) for key in keys))
                return list(connection.execute(query, (before,)).fetchall())
            finally:
                connection.execute("COMMIT")

    def session_records(self, session: str) -> list[Record]:
        """Every record one session stored, in the order they finished."""
        with self._guard() as connection:
            rows = connection.execute("SELECT record FROM trials WHERE session = ? ORDER BY finished_at", (session,))
            return [record for (text,) in rows if (record := readable(text)) is not None]

    def put_step(self, session: str, sweep: str, trial: str, step: int, value: float) -> None:
        """Keep one logged value of a sweep's metric, for pruning the trials that follow."""
        with self._guard() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO steps VALUES (?, ?, ?, ?, ?)", (session, sweep, step, trial, value)
            )

    def values_at(self, session: str, sweep: str, step: int, exclude: str) -> list[float]:
        """The metric of the sweep's other trials at ``step`` in this session."""
        with self._guard() as connection:
            rows = connection.execute(
                "SELECT value FROM steps WHERE session = ? AND sweep = ? AND step = ? AND trial != ?",
                (session, sweep, step, exclude),
            )
            return [value for (value,) in rows]

    def put_session(self, session: str, took: SessionTime) -> None:
        """Keep what a finished session took, for the estimates of the sessions after it."""
        row = (session, time.time(), took.wall_s, took.trials, took.workers, took.trial_s, took.longest_s, took.report)
        with self._guard() as connection:
            connection.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def sessions(self, before: float, report: bool, last: int) -> list[SessionTime]:
        """The ``last`` sessions that finished before ``before`` and wrote a report or not as ``report`` says,
        newest first."""
        with self._guard() as connection:
            rows = connection.execute(
                "SELECT wall_s, trials, workers, trial_s, longest_s FROM sessions"
                " WHERE report = ? AND finished_at < ? ORDER BY finished_at DESC LIMIT ?",
                (report, before, last),
            )
            return [
                SessionTime(wall, trials, workers, trial_s, longest, report)
                for wall, trials, workers, trial_s, longest in rows
            ]

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None


def readable(text: str) -> Record | None:
    """A stored row as a record, or None when it is not one (damaged JSON, or not a trial's record): set aside."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    fields = ("metrics", "params", "config")
    if not isinstance(record, dict) or any(not isinstance(record.get(key) or {}, dict) for key in fields):
        return None
    return cast(Record, record)

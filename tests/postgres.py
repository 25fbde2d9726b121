"""A throwaway PostgreSQL server for the tests that share an Optuna study across sessions.

Started from the server binaries PostgreSQL installs (``initdb``, ``pg_ctl``; ``.ci/run``
installs Debian's ``postgresql``), in a temporary folder, on a free port of 127.0.0.1,
and stopped afterwards. PostgreSQL refuses to run as root, so as root the server runs as
the ``postgres`` user. Where the binaries are missing, the tests that need it skip and
say why.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def server_binaries() -> Path | None:
    """The folder with initdb and pg_ctl, if PostgreSQL is installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return Path(versions[-1]) if versions and Path(versions[-1], "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("PostgreSQL refuses to run as root, and there is no postgres user to run it as")
    return ["runuser", "-u", "postgres", "--", *argv]


class PostgresServer:
    """A PostgreSQL server of its own, in a temporary folder on a free port: started, stopped, started again."""

    def __init__(self) -> None:
        binaries = server_binaries()
        if binaries is None:
            pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql); .ci/run installs it")
        pytest.importorskip("psycopg", reason="needs psycopg (pip install psycopg[binary]), in the [dev] extras")
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="sweep-pg-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, binary: str, *args: str) -> None:
        argv = _as_server_user([str(self.binaries / binary), *args])
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL server (database ``postgres``, trust auth on 127.0.0.1)."""
    server = PostgresServer().start()
    try:
        yield server.url
    finally:
        server.stop()
        server.remove()


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, started, which the test may stop and start again."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        server.remove()

"""A throwaway PostgreSQL server for the tests that share an Optuna study across sessions.

Started from the server binaries PostgreSQL installs (``initdb``, ``pg_ctl``; ``.ci/run``
installs Debian's ``postgresql``), in a temporary folder, on a free port of 127.0.0.1,
and stopped afterwards. PostgreSQL refuses to run as root, so as root the server runs as
the ``postgres`` user. Where the binaries are missing, the tests that need it skip and
say why.
"""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL server (database ``postgres``, trust auth on 127.0.0.1)."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql); .ci/run installs it")
    pytest.importorskip("psycopg", reason="needs psycopg (pip install psycopg[binary]), in the [dev] extras")
    folder = Path(tempfile.mkdtemp(prefix="sweep-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    run = lambda *argv: subprocess.run(  # noqa: E731
        _as_server_user(list(argv)), check=True, capture_output=True, text=True, timeout=120
    )
    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)

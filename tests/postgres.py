"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary folder, a loopback port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def temporary_postgres(also_listen_on: str | None = None) -> Iterator[str | None]:
    """Yield the URL of a fresh server (trust auth, user postgres), or None when PostgreSQL is not installed.

    ``also_listen_on``: one more address (a test host's link) the server listens on and trusts.
    """
    bin_dir = _bin_dir()
    if bin_dir is None:
        yield None
        return
    folder = tempfile.mkdtemp(prefix="recognize-pg-")
    os.chmod(folder, 0o777)
    data = os.path.join(folder, "data")
    port = free_port()
    run = lambda *args: subprocess.run(_as_server_user(list(args)), check=True, capture_output=True)  # noqa: E731
    run(f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    if also_listen_on:
        with open(os.path.join(data, "pg_hba.conf"), "a") as hba:
            hba.write(f"host all all {also_listen_on}/24 trust\n")
    listen = ",".join(filter(None, ["127.0.0.1", also_listen_on]))
    options = f"-p {port} -k {folder} -c listen_addresses={listen} -c fsync=off -c max_connections=200"
    run(f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", os.path.join(folder, "log"), "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)

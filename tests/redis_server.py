"""A throwaway Redis server for the tests: Debian's redis-server, a temporary folder, a loopback port."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from tests.postgres import free_port

READY_SECONDS = 60


@contextmanager
def temporary_redis(server: str) -> Iterator[str]:
    """Yield the URL of a fresh, unpersisted Redis server started from ``server`` (redis-server's path)."""
    folder = tempfile.mkdtemp(prefix="recognize-redis-")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + READY_SECONDS  # generous: a loaded machine starts it slowly
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

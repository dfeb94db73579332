"""A second worker host: its own network namespace, reaching PostgreSQL over a veth link only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faces.conftest import LATER, PHOTOS, copy_photos
from tests.netns import available, second_host
from tests.postgres import temporary_postgres

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not available() and not os.environ.get("RECOGNIZE_TEST_REQUIRE_POSTGRES"), reason="needs root and iproute2"
)


def _env(home: Path, url: str) -> dict[str, str]:
    queue = url.replace("postgresql+psycopg://", "postgresql://")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RECOGNIZE_HOME": str(home),
        "RECOGNIZE_DATABASE_URL": url,
        "RECOGNIZE_JOBS__QUEUE_URL": queue,
        "RECOGNIZE_JOBS__CHUNK_SIZE": "1",
        "RECOGNIZE_JOBS__WATCH": "false",
    }


def _recognize(*args: str) -> list[str]:
    return [sys.executable, "-m", "recognize", *args]


def test_second_host_worker_shares_the_work(tmp_path: Path, test_media: Path) -> None:
    library = tmp_path / "library"
    copy_photos(test_media, library, {**PHOTOS, **LATER})
    with second_host() as host, temporary_postgres(also_listen_on=host.host_address) as local_url:
        assert local_url is not None, "PostgreSQL is not installed"
        remote_url = local_url.replace("127.0.0.1", host.host_address)
        local, remote = _env(tmp_path / "home-a", local_url), _env(tmp_path / "home-b", remote_url)
        subprocess.run(_recognize("library", "add", str(library)), env=local, check=True, capture_output=True)
        subprocess.run(_recognize("crawl"), env=local, check=True, capture_output=True)
        logs = tmp_path / "second-host.log"
        with logs.open("w") as log:
            workers = [
                subprocess.Popen(
                    _recognize("worker", "--workers", "1", "--verbose"),
                    env=local,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                ),
                subprocess.Popen(
                    host.command(*_recognize("worker", "--workers", "1", "--verbose")),
                    env=remote,
                    stderr=log,
                    start_new_session=True,
                ),
            ]
            try:
                document = _wait_until_done(local, len(PHOTOS) + len(LATER))
            finally:
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=60)
        assert document is not None, "the two workers did not finish the library"
        executed = logs.read_text().count("Executing recognize.jobs.cascade.analyse")
        assert executed >= 1, logs.read_text()[-2000:]
        unreachable = subprocess.run(
            host.command(sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 5432), 2)"),
            capture_output=True,
        )
        assert unreachable.returncode != 0


def _wait_until_done(env: dict[str, str], photos: int, seconds: float = 240) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = subprocess.run(_recognize("status", "--json"), env=env, capture_output=True, text=True).stdout
        counts = json.loads(out)["libraries"][0]["analyses"]
        if counts["faces"]["done"] + counts["faces"]["failed"] == photos and not counts["faces"]["queued"]:
            return counts
        time.sleep(1)
    return None

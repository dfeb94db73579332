"""Scale-out benchmark: one worker process vs two, sharing a real PostgreSQL (database and queue).

The second worker runs as a second host would: in its own network namespace, reaching PostgreSQL
over a veth link only (needs root and iproute2). Both runs process the same library from scratch
(fresh database); the clock starts when the crawl is queued, with the workers already started.

usage: sudo .venv/bin/python bench/scale_out.py [--copies 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.netns import second_host  # noqa: E402
from tests.postgres import temporary_postgres  # noqa: E402

FACES = ROOT.parent / "shared" / "data" / "faces"


def make_library(folder: Path, copies: int) -> int:
    """``copies`` copies of every face photo of the shared data; returns the count."""
    sources = [
        path
        for path in [
            *sorted((FACES / "face_recognition" / "examples").rglob("*")),
            *sorted((FACES / "dlib-faces").glob("*")),
        ]
        if path.suffix.lower() in {".jpg", ".jpeg", ".png"}
    ]
    for copy in range(copies):
        target = folder / f"copy{copy}"
        target.mkdir(parents=True)
        for index, source in enumerate(sources):
            shutil.copy(source, target / f"{index:03d}_{source.name}")
    return copies * len(sources)


def fresh_database(server: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


def environment(home: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RECOGNIZE_HOME": str(home),
        "RECOGNIZE_DATABASE_URL": url,
        "RECOGNIZE_JOBS__QUEUE_URL": url.replace("postgresql+psycopg://", "postgresql://"),
        "RECOGNIZE_JOBS__CHUNK_SIZE": "2",
        "RECOGNIZE_JOBS__WATCH": "false",
        "RECOGNIZE_JOBS__NICENESS": "0",
    }


def recognize(*args: str) -> list[str]:
    return [sys.executable, "-m", "recognize", *args]


def faces_left(env: dict[str, str], url: str, photos: int) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        finished = connection.execute(
            text("SELECT count(*) FROM analyses WHERE name='faces' AND state IN ('done','failed')")
        )
        left = photos - finished.scalar_one()
    engine.dispose()
    return left


def run(library: Path, photos: int, server: str, work: Path, host, second: bool) -> float:
    url = fresh_database(server)
    env = environment(work / f"home-{second}", url)
    subprocess.run(recognize("library", "add", str(library)), env=env, check=True, capture_output=True)
    commands = [recognize("worker", "--workers", "1")]
    envs = [env]
    if second:
        remote_url = url.replace("127.0.0.1", host.host_address)
        commands.append(host.command(*recognize("worker", "--workers", "1")))
        envs.append(environment(work / "home-remote", remote_url))
    workers = [
        subprocess.Popen(
            c,
            env=e,
            stdout=subprocess.DEVNULL,
            stderr=(work / f"worker{i}-{second}.log").open("w"),
            start_new_session=True,
        )
        for i, (c, e) in enumerate(zip(commands, envs, strict=True))
    ]
    try:
        time.sleep(4)
        started = time.perf_counter()
        subprocess.run(recognize("crawl"), env=env, check=True, capture_output=True)
        while faces_left(env, url, photos) > 0:
            time.sleep(0.25)
        return time.perf_counter() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-scale-"))
    try:
        photos = make_library(work / "library", args.copies)
        with second_host() as host, temporary_postgres(also_listen_on=host.host_address) as server:
            assert server is not None, "PostgreSQL is not installed"
            one = run(work / "library", photos, server, work, host, second=False)
            two = run(work / "library", photos, server, work, host, second=True)
        print(f"{photos} photos, {os.cpu_count()} cores, PostgreSQL database and queue")
        print(f"1 worker process:                        {one:6.1f} s  {photos / one:5.2f} photos/s")
        print(f"2 worker processes (2nd in a netns host): {two:6.1f} s  {photos / two:5.2f} photos/s")
        print(f"throughput ratio: {one / two:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""API load benchmark: requests per second and latency for the person list and a thumbnail.

A library of 10,000 real JPEG files (small variants of one shared photo) is scanned; 10,000 faces
(one per photo, real JPEG crops, random embeddings) are grouped into 300 named persons directly in
the database, so the benchmark measures the API, not face detection. The server (`create_server`
under uvicorn, one process) runs in a subprocess; a second process sends requests from 16 threads
over loopback (keep-alive connections), bounded in count and time, with an API token. With wrk
installed (`apt-get install wrk`), wrk is the client instead: 16 connections from one native thread,
so the client takes far less of the machine's 2 cores than 16 Python threads do.

With --baseline REV, the same library is built and served by that commit too (a temporary git
worktree), and both are measured in one run.

usage: python bench/api_load.py [--files 10000] [--requests 2000] [--seconds 10] [--baseline REV]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from recognize.app import App
from recognize.config import load_settings
from recognize.library.accounts import create_token, create_user
from recognize.storage.models import Face, MediaFile, Person

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared" / "data" / "faces" / "face_recognition" / "examples" / "obama.jpg"
SERVER = (
    "import sys, uvicorn; from recognize.server import create_server; from recognize.app import App; "
    "from recognize.config import load_settings; api = create_server(App(load_settings(home=sys.argv[1]))); "
    "uvicorn.run(api, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')"
)


def build(home: Path, library: Path, files: int) -> str:
    """Write and scan the library, add faces and persons; return an API token."""
    with Image.open(PHOTO) as image:
        small = image.convert("RGB")
        small.thumbnail((320, 320))
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=80)
    data = buffer.getvalue()
    for index in range(files):
        folder = library / f"{index // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"photo_{index:05d}.jpg").write_bytes(data + f"variant {index}".encode())
    app = App(load_settings(home=home))
    app.scan([app.add_library(library)])
    rng = np.random.default_rng(1)
    with app.database.session() as session:
        user = create_user(session, "admin", "bench-password", admin=True)
        persons = [Person(user_id=user.id, name=f"Person {n}") for n in range(300)]
        session.add_all(persons)
        session.flush()
        ids = [file_id for (file_id,) in session.query(MediaFile.id).filter(MediaFile.media == "image")]
        for position, file_id in enumerate(ids):
            vector = rng.normal(size=128).astype(np.float32)
            session.add(
                Face(
                    file_id=file_id,
                    x=10,
                    y=10,
                    width=100,
                    height=100,
                    score=1.0,
                    landmarks=[],
                    blur=0.1,
                    embedding=(vector / np.linalg.norm(vector)).tobytes(),
                    clusterable=True,
                    thumbnail=data[:6000],
                    person_id=persons[position % len(persons)].id,
                    assigned_by="auto",
                )
            )
        token = create_token(session, user, "bench")
    app.close()
    return token


def hammer(url: str, token: str, count: int, seconds: float, queue: multiprocessing.Queue) -> None:
    """Send up to ``count`` GETs from 16 threads for at most ``seconds``; report latencies."""
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    local = threading.local()

    def one(_: int) -> float | None:
        if time.perf_counter() > deadline:
            return None
        if not hasattr(local, "client"):
            local.client = httpx.Client(headers=headers, timeout=30)
        started = time.perf_counter()
        local.client.get(url).raise_for_status()
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        latencies = [latency for latency in pool.map(one, range(count)) if latency is not None]
    queue.put((latencies, time.perf_counter() - started))


def wrk(url: str, token: str, seconds: int) -> tuple[float, float, float, int]:
    """Requests per second, p50 and p99 in seconds, and requests sent, by wrk (16 connections, one thread)."""
    command = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url]
    report = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

    def latency(percent: str) -> float:
        value = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)$", report, re.MULTILINE)
        assert value, report
        return float(value[1]) * unit[value[2]]

    failed = re.search(r"Non-2xx or 3xx responses: \d+|timeout [1-9]", report)
    if failed:
        raise SystemExit(f"{url}: some requests failed, the figures would mislead:\n{report}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", report)
    sent = re.search(r"(\d+) requests in", report)
    assert rate and sent, report
    return float(rate[1]), latency("50"), latency("99"), int(sent[1])


def python_client(url: str, token: str, count: int) -> tuple[float, float, float, int]:
    """The same figures from 16 httpx threads in a second process (when wrk is not installed)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    client = multiprocessing.Process(target=hammer, args=(url, token, count, 60.0, queue))
    client.start()
    latencies, elapsed = queue.get()
    client.join()
    ordered = sorted(latencies)
    return len(ordered) / elapsed, ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1], len(ordered)


def serve(source: Path, home: Path, library: Path, files: int) -> tuple[subprocess.Popen, str, str]:
    """Build the library with ``source``'s code, start its server; returns the server, its URL and a token."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    builder = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'bench'); import api_load; "
        "print(api_load.build(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))"
    )
    built = subprocess.run(
        [sys.executable, "-c", builder, str(home), str(library), str(files)],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    token = built.stdout.split()[-1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(home), str(port)], env=env, cwd=source)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            httpx.get(f"{base}/openapi.json")
            break
        except httpx.HTTPError:
            time.sleep(0.25)
    return server, base, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint, with the Python client")
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint, with wrk")
    parser.add_argument("--baseline", help="a commit to measure side by side (a temporary git worktree)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-api-"))
    sources = {"this checkout": ROOT}
    try:
        if args.baseline:
            baseline = work / "baseline"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
                check=True,
                capture_output=True,
            )
            (work / "shared").symlink_to(PHOTO.parents[4])  # the worktree finds ../shared like this checkout
            sources = {f"baseline {args.baseline}": baseline, **sources}
        use_wrk = shutil.which("wrk") is not None
        client = "wrk, 16 connections" if use_wrk else "16 httpx threads in a second process"
        print(f"{args.files} photos, 300 persons, {os.cpu_count()} cores; client: {client}")
        print("target: person list p50 <= 30 ms under 16 clients")
        for number, (name, source) in enumerate(sources.items()):
            server, base, token = serve(source, work / f"home-{number}", work / f"library-{number}", args.files)
            try:
                for label, path in (
                    ("person list (page of 100)", "/api/persons?limit=100"),
                    ("thumbnail", "/api/files/5/thumbnail"),
                ):
                    if use_wrk:
                        rate, p50, p99, sent = wrk(base + path, token, args.seconds)
                    else:
                        rate, p50, p99, sent = python_client(base + path, token, args.requests)
                    timing = f"p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms"
                    print(f"{name:22} {label:26} {rate:7.0f} req/s  {timing}  ({sent} requests)")
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        if args.baseline:
            remove = ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "baseline")]
            subprocess.run(remove, check=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""API load benchmark: requests per second and latency for the person list and a thumbnail.

A library of 10,000 real JPEG files (small variants of one shared photo) is scanned; 10,000 faces
(one per photo, real JPEG crops, random embeddings) are grouped into 300 named persons directly in
the database, so the benchmark measures the API, not face detection. The server (`create_server`
under uvicorn, one process) runs in a subprocess; a second process sends requests from 16 threads
over loopback (keep-alive connections), bounded in count and time, with an API token.

usage: python bench/api_load.py [--files 10000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-api-"))
    try:
        token = build(work / "home", work / "library", args.files)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(work / "home"), str(port)], env=env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                httpx.get(f"{base}/openapi.json")
                break
            except httpx.HTTPError:
                time.sleep(0.25)
        try:
            print(f"{args.files} photos, 300 persons, {os.cpu_count()} cores; 16 client threads in a second process")
            for label, path in (
                ("person list (page of 100)", "/api/persons?limit=100"),
                ("thumbnail", "/api/files/5/thumbnail"),
            ):
                queue: multiprocessing.Queue = multiprocessing.Queue()
                client = multiprocessing.Process(target=hammer, args=(base + path, token, args.requests, 60.0, queue))
                client.start()
                latencies, elapsed = queue.get()
                client.join()
                ordered = sorted(latencies)
                p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1]
                rate = len(ordered) / elapsed
                timing = f"p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms"
                print(f"{label:26} {rate:7.0f} req/s  {timing}  ({len(ordered)} requests)")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

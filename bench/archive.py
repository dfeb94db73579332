"""Archive-scale benchmark: every interactive path and the jobs on a 60,000-photo, 100,000-face family archive.

The archive is built straight into the database by ``archive_fixture.py`` (no decoding; real files on disk,
scanned for real). The server (``create_server`` under uvicorn, one process, as ``recognize run`` serves)
runs in a subprocess and is asked over loopback with an API token; each path is asked ``--repeat`` times
after one warm-up, and its median and 95th percentile are printed next to the issue's target. CLI commands
and jobs run as subprocesses, each with its time and peak memory. SQLite by default; ``--database-url``
(e.g. PostgreSQL) puts the archive there instead.

With --baseline REV, the same archive is served by that commit too (a temporary git worktree; the
database is migrated down to its schema first), and both are measured in one run.

usage: python bench/archive.py [--files 60000] [--faces 100000] [--repeat 20] [--baseline REV]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from archive_fixture import Archive, build

from recognize.storage.database import HEAD_REVISION, MIGRATIONS, Database

ROOT = Path(__file__).resolve().parents[1]
SERVER = (
    "import sys, uvicorn; from recognize.server import create_server; from recognize.app import App; "
    "from recognize.config import load_settings; api = create_server(App(load_settings(home=sys.argv[1]))); "
    "uvicorn.run(api, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')"
)
JOB = """
import sys, time
from recognize.app import App
from recognize.config import load_settings
from recognize.storage.models import Face, MediaFile, User
from sqlalchemy import insert, select, update
app = App(load_settings(home=sys.argv[1]))
job = sys.argv[2]
with app.database.session() as session:
    user = session.scalars(select(User)).one().id
if job == "join-warm":
    app.update_persons(user)  # a worker that grouped before keeps what it read
with app.database.session() as session:
    if job == "recluster":
        session.execute(update(Face).where(Face.assigned_by == "auto").values(person_id=None, assigned_by=None))
    if job in ("join", "join-warm"):
        columns = [c for c in Face.__table__.c if c.name not in ("id", "cover_rank", "created_at")]
        faces = session.execute(select(*columns).where(Face.person_id.is_not(None)).limit(100)).mappings().all()
        empty = session.scalars(select(MediaFile.id).where(MediaFile.id.not_in(select(Face.file_id))).limit(100))
        rows = [{**face, "file_id": file, "person_id": None, "assigned_by": None} for face, file in zip(faces, empty)]
        session.execute(insert(Face), rows)
started = time.perf_counter()
if job == "rescan":
    app.scan(app.libraries("admin"))
else:
    app.update_persons(user)
seconds = time.perf_counter() - started
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]
print(seconds, int(peak) / 1024)
"""
Row = tuple[str, str, float, float, str]  # path, target kind, p50 s, p95 s, a note (size, memory)
TARGETS = {"page": (0.050, 0.200), "questions": (0.200, 0.200), "answer": (1.0, 1.0), "webdav": (0.300, 0.300)}


def timed(ask: Callable[[], httpx.Response], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile of ``repeat`` requests after one warm-up; each must succeed."""
    ask().raise_for_status()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        ask().raise_for_status()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return seconds[len(seconds) // 2], seconds[min(len(seconds) - 1, round(len(seconds) * 0.95))]


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory (VmRSS) or its peak (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(source: Path, data: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(source)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(data), str(port)], env=env, cwd=source)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            httpx.get(f"{base}/openapi.json")
            return server, base
        except httpx.HTTPError:
            time.sleep(0.25)
    raise SystemExit("the server did not start")


def interactive(base: str, archive: Archive, repeat: int, server_pid: int) -> list[Row]:
    """(path, target kind, p50, p95) of every interactive path."""
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {archive.token}"}, timeout=600)
    dav = httpx.Client(base_url=base, auth=("admin", archive.token), timeout=600)
    web = httpx.Client(base_url=base, timeout=600)
    web.post("/api/session", json={"name": "admin", "password": "bench-password"}).raise_for_status()
    biggest = archive.biggest_person

    def propfind(path: str) -> httpx.Response:
        return dav.request("PROPFIND", path, headers={"Depth": "1"})

    photo = client.get("/api/files", params={"limit": 1}).json()["items"][0]["id"]
    paths = [
        ("GET / (people page)", "page", lambda: web.get("/")),
        ("GET /api/persons", "page", lambda: client.get("/api/persons")),
        ("GET /persons/{biggest}", "page", lambda: web.get(f"/persons/{biggest}")),
        ("GET /api/persons/{biggest}?limit=100", "page", lambda: client.get(f"/api/persons/{biggest}?limit=100")),
        ("GET /unassigned", "page", lambda: web.get("/unassigned")),
        ("GET /api/faces (unassigned)", "page", lambda: client.get("/api/faces")),
        ("GET /photos/{id}", "page", lambda: web.get(f"/photos/{photo}")),
        ("GET /photos (timeline)", "page", lambda: web.get("/photos")),
        ("GET /api/files?offset=30000", "page", lambda: client.get("/api/files", params={"offset": 30000})),
        ("GET /api/confirmations?limit=10", "questions", lambda: client.get("/api/confirmations?limit=10")),
        ("GET /confirm", "questions", lambda: web.get("/confirm")),
        ("GET /api/persons/{biggest}/suggestions", "page", lambda: client.get(f"/api/persons/{biggest}/suggestions")),
        ("GET /api/search?q=beach 2015", "page", lambda: client.get("/api/search", params={"q": "beach 2015"})),
        ("PROPFIND /dav/admin/persons/", "webdav", lambda: propfind("/dav/admin/persons/")),
        ("PROPFIND persons/<biggest>/", "webdav", lambda: propfind("/dav/admin/persons/Family%201/")),
    ]  # fmt: skip
    # The export first: the questions and answers below leave memory and a thread making questions behind.
    before = highest = rss_mb(server_pid)
    started, size = time.perf_counter(), 0
    with client.stream("GET", "/api/export") as response:
        for chunk in response.iter_bytes():  # the server's memory while it streams (its peak may be older)
            size += len(chunk)
            highest = max(highest, rss_mb(server_pid))
    seconds = time.perf_counter() - started
    growth = highest - before
    exported: Row = ("GET /api/export", "export", seconds, seconds, f"{size / 1e6:.0f} MB, server +{growth:.0f} MB")
    print(f"export: {seconds:.1f} s, {size / 1e6:.0f} MB, server +{growth:.0f} MB", file=sys.stderr, flush=True)
    started = time.perf_counter()
    client.get("/api/confirmations?limit=10").raise_for_status()
    first = time.perf_counter() - started
    found: list[Row] = [exported, ("first GET /api/confirmations (server started)", "questions", first, first, "")]
    for label, kind, ask in paths:
        found.append((label, kind, *timed(ask, repeat), ""))
        print(f"{label}: {found[-1][2] * 1000:.0f} ms", file=sys.stderr, flush=True)
    answers = []
    for _ in range(min(repeat, 3)):
        question = client.get("/api/confirmations?limit=1").json()["items"][0]["id"]
        started = time.perf_counter()
        client.post(f"/api/confirmations/{question}", json={"answer": "yes"}).raise_for_status()
        answers.append(time.perf_counter() - started)
    answers.sort()
    found.append(("POST /api/confirmations/{id} (yes)", "answer", answers[len(answers) // 2], answers[-1], ""))
    print(f"answers: {[round(a, 2) for a in answers]} s", file=sys.stderr, flush=True)
    return found


def command(data: Path, source: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak MB of one `recognize` command run with ``source``'s code."""
    env = {**os.environ, "PYTHONPATH": str(source), "RECOGNIZE_HOME": str(data)}
    script = (
        "import runpy, sys, time; started = time.perf_counter(); sys.argv = ['recognize', *sys.argv[1:]]\n"
        "try:\n runpy.run_module('recognize', run_name='__main__')\nexcept SystemExit: pass\n"
        "peak = int(next(line for line in open('/proc/self/status') if line.startswith('VmHWM:')).split()[1]) / 1024\n"
        "print(time.perf_counter() - started, peak, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=source, capture_output=True, text=True, check=True
    )
    seconds, peak = done.stderr.split()[-2:]
    return float(seconds), float(peak)


def job(data: Path, source: Path, name: str) -> tuple[float, float]:
    """Seconds and peak MB of one job (join 100 new faces, rescan, full recluster) in its own process."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", JOB, str(data), name], env=env, cwd=source, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"job {name} failed:\n{done.stderr}")
    seconds, peak = done.stdout.split()[-2:]
    return float(seconds), float(peak)


def measure(source: Path, archive: Archive, repeat: int, work: Path) -> list[Row]:
    server, base = serve(source, archive.data)
    try:
        found = interactive(base, archive, repeat, server.pid)
        found.append(("server peak RSS", "memory", 0.0, 0.0, f"{rss_mb(server.pid, 'VmHWM'):.0f} MB"))
    finally:
        server.terminate()
        server.wait()
    for label, args in [
        ("recognize export", ("export",)),
        ("recognize xmp export DEST", ("xmp", "export", str(work / f"xmp-{source.name}"))),
        ("recognize status", ("status",)),
    ]:
        seconds, peak = command(archive.data, source, *args)
        found.append((label, "command", seconds, seconds, f"peak {peak:.0f} MB"))
        print(f"{label}: {seconds:.1f} s, peak {peak:.0f} MB", file=sys.stderr, flush=True)
    for label, name in [
        ("join 100 new faces", "join"),
        ("join 100 new faces, a worker that grouped before", "join-warm"),
        ("rescan, unchanged", "rescan"),
        ("full recluster", "recluster"),
    ]:
        seconds, peak = job(archive.data, source, name)
        found.append((label, "job", seconds, seconds, f"peak {peak:.0f} MB"))
        print(f"{label}: {seconds:.1f} s, peak {peak:.0f} MB", file=sys.stderr, flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60_000)
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", help="a commit to measure side by side (a temporary git worktree)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="recognize-bench-archive-"))
    try:
        started = time.perf_counter()
        archive = build(work / "archive", args.files, args.faces)
        print(f"built {archive.files} files, {archive.faces} faces in {time.perf_counter() - started:.0f} s")
        print(f"questions made and stored as the workers do after a grouping: {archive.questions_seconds:.1f} s")
        sources = {"this checkout": ROOT}
        if args.baseline:
            baseline = work / "baseline"
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline], check=True
            )
            sources = {f"baseline {args.baseline}": baseline, **sources}
        pristine = work / "pristine"
        shutil.copytree(archive.data, pristine)
        results = {}
        for name, source in sources.items():
            shutil.rmtree(archive.data)
            shutil.copytree(pristine, archive.data)
            schema_of(source, archive.data)
            results[name] = measure(source, archive, args.repeat, work)
        report(results)
    finally:
        if args.baseline:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "baseline")], check=False
            )
        shutil.rmtree(work, ignore_errors=True)


def schema_of(source: Path, data: Path) -> None:
    """Bring the archive's database down to the schema of an older ``source`` (this checkout's migrations know
    how), so that a baseline from before a migration opens it."""
    found = re.search(r'HEAD_REVISION = "(\w+)"', (source / "recognize/storage/database.py").read_text())
    if found is None or found.group(1) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with Database(f"sqlite:///{data / 'recognize.db'}").engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, found.group(1))


def report(results: dict[str, list[Row]]) -> None:
    """One line per path: the target, then p50 / p95 (and a note) per source."""
    print(f"\n{'path':46} {'target p50/p95':>15}" + "".join(f" | {name[:36]:36}" for name in results))
    for row in zip(*results.values(), strict=True):
        label, kind = row[0][0], row[0][1]
        target = TARGETS.get(kind)
        goal = f"{target[0] * 1000:.0f}/{target[1] * 1000:.0f} ms" if target else ""
        cells = [
            f"{p50 * 1000:6.0f} {p95 * 1000:6.0f} ms {note}" if kind != "memory" else note for *_, p50, p95, note in row
        ]
        print(f"{label[:46]:46} {goal:>15}" + "".join(f" | {cell[:36]:36}" for cell in cells))


if __name__ == "__main__":
    main()

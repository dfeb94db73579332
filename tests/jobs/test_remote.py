"""Remote inference: a real inference server in a subprocess, stopped mid-run, and a wrong key."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from recognize.app import App
from recognize.config import load_settings
from recognize.storage.models import AnalysisState
from tests.faces.conftest import LATER, PHOTOS, copy_photos
from tests.jobs.test_cascade import canonical, cli, export

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key-123"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def inference_server(home: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECOGNIZE_INFERENCE__API_KEY": KEY}
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home), "inference-server", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120  # generous: a loaded machine starts it slowly
    while True:
        try:
            if (
                httpx.get(f"http://127.0.0.1:{port}/v1/health", headers={"Authorization": f"Bearer {KEY}"}).status_code
                == 200
            ):
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and server.poll() is None, "the inference server did not start"
        time.sleep(0.3)
    try:
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _client_env(port: int, when_down: str = "pause") -> dict[str, str]:
    return {
        "RECOGNIZE_INFERENCE__URL": f"http://127.0.0.1:{port}",
        "RECOGNIZE_INFERENCE__API_KEY": KEY,
        "RECOGNIZE_INFERENCE__WHEN_DOWN": when_down,
        "RECOGNIZE_INFERENCE__RETRY_SECONDS": "1",
        "RECOGNIZE_JOBS__CHUNK_SIZE": "1",
    }


def test_server_requires_the_key(tmp_path: Path) -> None:
    port = _port()
    with inference_server(tmp_path / "server", port):
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/v1/health").status_code == 401
        assert (
            httpx.post(f"{base}/v1/analyse/faces", content=b"x", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        bad = httpx.post(
            f"{base}/v1/analyse/faces", content=b"not an image", headers={"Authorization": f"Bearer {KEY}"}
        )
        assert bad.status_code == 422 and "not a readable image" in bad.json()["detail"]


def test_server_stopped_mid_run_holds_the_work_and_loses_nothing(tmp_path: Path, test_media: Path) -> None:
    library = tmp_path / "library"
    copy_photos(test_media, library, {**PHOTOS, **LATER})
    assert cli(tmp_path / "local", "process", str(library), "--workers", "1").wait(timeout=300) == 0
    port = _port()
    home = tmp_path / "remote"
    database = App(load_settings(home=home))
    with inference_server(tmp_path / "server", port) as server:
        client = cli(home, "process", str(library), "--workers", "1", env=_client_env(port))
        deadline = time.monotonic() + 120
        while _count(database, "done") < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _count(database, "done") >= 3, "the remote run did not start in time"
        server.send_signal(signal.SIGKILL)
        server.wait()
    held = _count(database, "done")
    time.sleep(4)  # a quiet period is the claim under test: nothing may be done while the server is down
    assert _count(database, "done") == held < len(PHOTOS) + len(LATER)
    assert _count(database, "failed") == 0 and client.poll() is None
    with inference_server(tmp_path / "server", port):
        assert client.wait(timeout=300) == 0
    assert canonical(export(home)) == canonical(export(tmp_path / "local"))


def test_local_fallback_when_the_server_is_down(tmp_path: Path, test_media: Path) -> None:
    library = tmp_path / "library"
    copy_photos(test_media, library, {"kit/a.jpeg": PHOTOS["kit/a.jpeg"], "kit/b.jpeg": PHOTOS["kit/b.jpeg"]})
    env = _client_env(_port(), when_down="local")
    assert cli(tmp_path / "home", "process", str(library), "--workers", "1", env=env).wait(timeout=300) == 0
    document = export(tmp_path / "home")
    assert len(document["persons"]) == 1 and document["persons"][0]["faces"] == 2


def _count(app: App, state: str) -> int:
    with app.database.session() as session:
        return session.query(AnalysisState).filter_by(name="faces", state=state).count()

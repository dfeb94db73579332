"""Work of dead workers is released at once; workers die with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from recognize.app import App
from recognize.jobs.liveness import RELEASED_AT, identity, is_alive, release_dead_claims
from recognize.storage.models import AnalysisState, MediaFile, utcnow
from tests.media_factory import jpeg_with_exif

DEADLINE = 20.0


def _dead_identity() -> str:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return identity(int(finished.stdout)).rsplit(":", 1)[0] + ":12345"


def test_claims_of_dead_processes_on_this_host_are_released(sqlite_app: App, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    jpeg_with_exif(tmp_path / "photos" / "a.jpg")
    library = sqlite_app.add_library(tmp_path / "photos")
    sqlite_app.scan([library])
    claims = {"dead": _dead_identity(), "alive": identity(), "elsewhere": "another-host:1:1"}
    with sqlite_app.database.session() as session:
        file_id = session.query(MediaFile.id).scalar()
        for name, claim in claims.items():
            session.add(AnalysisState(file_id=file_id, name=name, state="queued", attempts=1, claimed_by=claim))
    assert is_alive(claims["alive"]) and not is_alive(claims["dead"]) and is_alive(claims["elsewhere"])
    with sqlite_app.database.session() as session:
        assert release_dead_claims(session) == 1
    with sqlite_app.database.session() as session:
        rows = {row.name: row for row in session.query(AnalysisState).filter(AnalysisState.name.in_(list(claims)))}
    assert rows["dead"].claimed_by is None and rows["dead"].updated_at.replace(tzinfo=RELEASED_AT.tzinfo) < utcnow()
    assert rows["dead"].attempts == 1
    assert rows["alive"].claimed_by == claims["alive"] and rows["elsewhere"].claimed_by == claims["elsewhere"]


def test_a_worker_dies_with_its_parent(tmp_path: Path) -> None:
    child_pid = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import multiprocessing, time, sys\n"
            "from recognize.jobs.liveness import die_with_parent\n"
            "def work(path):\n"
            "    die_with_parent()\n"
            "    import os; open(path, 'w').write(str(os.getpid()))\n"
            "    time.sleep(600)\n"
            "if __name__ == '__main__':\n"
            f"    multiprocessing.Process(target=work, args=({str(child_pid)!r},)).start()\n"
            "    time.sleep(600)\n",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    deadline = time.monotonic() + DEADLINE
    while not (child_pid.exists() and child_pid.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(child_pid.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=DEADLINE)
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        state = (
            Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
        )
        if state == "Z":
            break
        time.sleep(0.1)
    assert (
        not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    )

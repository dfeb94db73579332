"""The CLI end to end, as users' scripts call it: process, status, export, with bad input and no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.media_factory import (
    jpeg_claiming,
    jpeg_with_huge_exif,
    png_bomb,
    png_zero_size,
    truncated_copy,
    wav_claiming,
)

NOBODY = 65534


def recognize(
    home: Path,
    *args: str,
    as_nobody: bool = False,
    no_network: bool = False,
    input: str | None = None,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home), *args]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    if no_network:
        command = ["unshare", "-rn", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **variables}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, input=input)


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder any user can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="recognize-cli-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _bad_library(root: Path, test_media: Path) -> dict[str, str]:
    """Good photos plus every kind of bad input; returns {path: expected words in its error}."""
    photos = test_media / "photos" / "debian-opencv-doc"
    root.mkdir()
    for name in ("fruits.jpg", "butterfly.jpg"):
        shutil.copy(photos / name, root / name)
    (root / "zero.jpg").write_bytes(b"")
    truncated_copy(photos / "building.jpg", root / "truncated.jpg")
    (root / "text.jpg").write_text("this is text, not a photo")
    png_bomb(root / "bomb.png")
    png_zero_size(root / "zero-size.png")
    from PIL import Image

    Image.new("RGB", (1, 1)).save(root / "tiny.png")
    shutil.copy(photos / "apple.jpg", root / "locked.jpg")
    (root / "locked.jpg").chmod(0)
    os.symlink(root, root / "loop")
    Path(os.fsdecode(os.fsencode(str(root)) + b"/caf\xe9.jpg")).write_bytes((photos / "orange.jpg").read_bytes())
    for path in root.iterdir():
        if not path.is_symlink() and path.name != "locked.jpg":
            path.chmod(0o644)
    jpeg_claiming(root / "liar.jpg", 10000, 9999)
    wav_claiming(root / "liar.wav", 1.0, 3600.0)
    jpeg_with_huge_exif(root / "exif.jpg")
    for name in ("liar.jpg", "liar.wav", "exif.jpg"):
        (root / name).chmod(0o644)
    (root / "locked-folder").mkdir()
    (root / "locked-folder").chmod(0)
    return {
        "liar.jpg": "header lies",
        "liar.wav": "header declares",
        "zero.jpg": "empty file",
        "truncated.jpg": "damaged",
        "text.jpg": "not a recognised image",
        "bomb.png": "exceeds the limit",
        "zero-size.png": "not a readable image",
        "tiny.png": "too small",
        "locked.jpg": "Permission denied",
        "caf\\xe9.jpg": "not valid UTF-8",
    }


def test_process_records_every_bad_file_and_analyses_the_rest(world_dir: Path, test_media: Path) -> None:
    root = world_dir / "library"
    expected = _bad_library(root, test_media)
    home = world_dir / "home"
    home.mkdir()
    home.chmod(0o777)
    as_nobody = os.geteuid() == 0
    result = recognize(home, "process", str(root), as_nobody=as_nobody)
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) < 60, result.stderr[-3000:]
    document = json.loads(recognize(home, "export", as_nobody=as_nobody).stdout)
    by_name = {Path(entry["path"]).name: entry for entry in document["files"]}
    for name, words in expected.items():
        assert by_name[name]["error"] is not None, name
        assert words in by_name[name]["error"], (name, by_name[name]["error"])
    for name in ("fruits.jpg", "butterfly.jpg"):
        entry = by_name[name]
        assert (entry["path"], entry["media"], entry["error"], entry["faces"]) == (str(root / name), "image", None, [])
    assert "fruit" in {tag["name"] for tag in by_name["fruits.jpg"]["tags"]}
    assert "butterfly" in {tag["name"] for tag in by_name["butterfly.jpg"]["tags"]}
    status = json.loads(recognize(home, "status", "--json", as_nobody=as_nobody).stdout)
    library = status["libraries"][0]
    assert library["analyses"]["metadata"]["done"] == 3
    reasons = {error["path"]: error["reason"] for error in library["errors"]}
    assert "symlink loop" in reasons["loop"]
    assert "permission denied" in reasons["locked-folder"]
    table = recognize(home, "status", as_nobody=as_nobody).stdout
    assert "truncated.jpg" in table and "damaged" in table


def test_process_works_without_any_network(tmp_path: Path, test_media: Path) -> None:
    interfaces = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", "import socket; print([name for _, name in socket.if_nameindex()])"],
        capture_output=True,
        text=True,
    )
    assert interfaces.stdout.strip() == "['lo']", "the namespace still has a network interface"
    root = tmp_path / "library"
    shutil.copytree(test_media / "photos" / "dlib-ffmpeg_data", root)
    shutil.copy(test_media / "audio/librosa-data/sorohanro_-_solo-trumpet-06.hq.ogg", root / "trumpet.ogg")
    shutil.copy(test_media / "video/imageio-binaries/realshort.mp4", root)
    every_model = {"RECOGNIZE_TAGS__TEXT__ENABLED": "true"}
    result = recognize(tmp_path / "home", "process", str(root), no_network=True, **every_model)
    assert result.returncode == 0, result.stderr
    document = json.loads(recognize(tmp_path / "home", "export", no_network=True).stdout)
    assert len(document["files"]) == 7 and all(entry["error"] is None for entry in document["files"])
    by_name = {Path(entry["path"]).name: entry for entry in document["files"]}
    assert "jazz" in {tag["name"] for tag in by_name["trumpet.ogg"]["tags"]}
    assert "dog" in {tag["name"] for tag in by_name["dog.jpg"]["tags"]}
    status = json.loads(recognize(tmp_path / "home", "status", "--json", no_network=True, **every_model).stdout)
    analyses = status["libraries"][0]["analyses"]
    assert {name: analyses[name]["done"] for name in ("objects", "text", "music", "video")} == {
        "objects": 5,
        "text": 5,
        "music": 1,
        "video": 1,
    }


def test_library_add_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = recognize(tmp_path / "home", "library", "add", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "not a folder" in result.stderr


def test_library_add_refuses_the_data_folder_and_user_roots_are_set_by_name(tmp_path: Path) -> None:
    home = tmp_path / "home"
    refused = recognize(home, "library", "add", str(tmp_path))
    assert refused.returncode == 2 and "recognize's own data" in refused.stderr
    assert "no such user: bob" in recognize(home, "user", "roots", "bob", str(tmp_path)).stderr
    (tmp_path / "family").mkdir()
    assert recognize(home, "user", "add", "bob", "--password-stdin", input="bob-password\n").returncode == 0
    assert recognize(home, "user", "roots", "bob", str(tmp_path / "family")).stdout.strip() == str(tmp_path / "family")
    assert "recognize's own data" in recognize(home, "user", "roots", "bob", str(home)).stderr
    assert recognize(home, "user", "roots", "bob").stdout.strip() == str(tmp_path / "family")


def test_doctor_reports_models_and_storage(tmp_path: Path) -> None:
    result = recognize(tmp_path / "home", "doctor", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    sizes = {model["file"]: model["bytes"] for model in data["models"]}
    assert sizes["dlib_face_recognition_resnet_model_v1.dat"] > 20_000_000
    assert all(len(model["sha256"]) == 64 for model in data["models"])
    assert data["database"].startswith("sqlite:///") and data["queue"].endswith("queue.db")
    assert data["machine"]["cpu_cores"] >= 1 and data["dlib"]["cuda"] in (True, False)
    from recognize.models.efficientnet_lite0 import EfficientNetLite0

    assert data["onnxruntime"]["used"] == EfficientNetLite0().loaded[0].get_providers()[0]


def test_read_only_commands_refuse_an_unknown_user(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for command in (["status"], ["export"], ["search", "cat"], ["persons"], ["faces"], ["library", "list"]):
        result = recognize(home, *command, "--user", "nobody-here")
        assert result.returncode == 2 and "no such user: nobody-here" in result.stderr, command
    import sqlite3

    with sqlite3.connect(home / "recognize.db") as connection:
        assert connection.execute("SELECT count(*) FROM users WHERE name = 'nobody-here'").fetchone()[0] == 0


def test_setup_problems_end_with_one_sentence_and_exit_1(tmp_path: Path, world_dir: Path) -> None:
    import socket

    locked = world_dir / "locked-home"
    locked.mkdir(mode=0o755)
    (world_dir / "photos").mkdir()
    (world_dir / "photos").chmod(0o777)
    read_only = recognize(locked, "status", as_nobody=True)
    assert read_only.returncode == 1 and "is not writable" in read_only.stderr
    assert "Traceback" not in read_only.stderr and len(read_only.stderr.strip().splitlines()) == 1
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        busy = recognize(tmp_path / "home", "run", str(world_dir / "photos"), "--port", str(port), "--workers", "1")
    assert busy.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
    full = recognize(tmp_path / "home", "process", str(world_dir / "photos"), RECOGNIZE_JOBS__MIN_FREE_MB="100000000")
    assert full.returncode == 1 and "free some space" in full.stderr and "Traceback" not in full.stderr


def test_onnxruntime_telemetry_is_switched_off() -> None:
    probe = (
        "import os, recognize, onnxruntime; "
        "print(os.environ['ORT_DISABLE_TELEMETRY'], onnxruntime.get_available_providers()[-1])"
    )
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-c", probe]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "HOME": "/nonexistent"}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "1" and "telemetry" not in result.stderr.lower()


def test_sigterm_stops_process_with_its_workers_and_a_rerun_finishes(tmp_path: Path, test_media: Path) -> None:
    import signal
    import time

    root, home = tmp_path / "photos", tmp_path / "home"
    shutil.copytree(test_media / "faces" / "face_recognition" / "examples", root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    command = [sys.executable, "-m", "recognize", "--data-dir", str(home), "process", str(root), "--workers", "2"]
    running = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _claimed_any(home):
        time.sleep(0.2)
    assert _claimed_any(home), "no file was claimed in time"
    running.send_signal(signal.SIGTERM)
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 1 and "stopped by SIGTERM" in err, err[-2000:]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _workers_of(home):
        time.sleep(0.2)
    assert not _workers_of(home)
    again = recognize(home, "process", str(root), "--workers", "1")
    assert again.returncode == 0, again.stderr
    status = json.loads(recognize(home, "status", "--json").stdout)["libraries"][0]["analyses"]
    assert all(counts["queued"] == 0 and counts["pending"] == 0 for counts in status.values()), status


def _claimed_any(home: Path) -> bool:
    import sqlite3

    database = home / "recognize.db"
    if not database.exists():
        return False
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM analyses WHERE name = 'faces'").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def _workers_of(home: Path) -> list[int]:
    """Pids of live processes whose command line names this data folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if str(home).encode() in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def test_a_killed_service_leaves_no_process_behind_and_its_port_free(tmp_path: Path) -> None:
    import socket
    import time

    from tests.tools import Service

    (tmp_path / "photos").mkdir()
    service = Service(tmp_path / "home", tmp_path / "photos")
    port = int(service.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(service.pids()) < 3:  # the service, a worker, huey's scheduler
        time.sleep(0.2)
    children = [pid for pid in service.pids() if pid != service.process.pid]
    assert len(children) >= 2, service.pids()
    service.process.kill()
    service.process.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]
    with socket.create_server(("127.0.0.1", port)):
        pass


def _alive(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat")).read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_lost_password_is_set_again_at_the_command_line(tmp_path: Path) -> None:
    from recognize.app import App
    from recognize.config import load_settings
    from recognize.library.accounts import check_password

    home = tmp_path / "home"
    assert recognize(home, "user", "add", "admin", "--password-stdin", "--admin", input="forgotten-1\n").returncode == 0
    assert "no such user: eve" in recognize(home, "user", "password", "eve", "--password-stdin", input="x" * 9).stderr
    short = recognize(home, "user", "password", "admin", "--password-stdin", input="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    changed = recognize(home, "user", "password", "admin", "--password-stdin", input="remembered-2\n")
    assert changed.returncode == 0 and "password of admin changed" in changed.stderr
    app = App(load_settings(home=home))
    with app.database.session() as session:
        assert check_password(session, "admin", "forgotten-1") is None
        assert check_password(session, "admin", "remembered-2").is_admin
    app.close()

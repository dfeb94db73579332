"""A real WebDAV client (rclone, Debian package) lists person collections and moves a photo between them."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from recognize.api.auth import create_user
from recognize.api.rest import create_api
from recognize.app import App
from recognize.storage.models import Face, MediaFile

PASSWORD = "rclone-password"


@pytest.fixture
def rclone() -> str:
    found = shutil.which("rclone")
    if found is None:
        if os.environ.get("RECOGNIZE_TEST_REQUIRE_POSTGRES"):
            pytest.fail("rclone is required in CI (.ci/run installs it)")
        pytest.skip("rclone is not installed (apt-get install rclone)")
    return found


def test_rclone_lists_and_moves(rclone: str, faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    with app.database.session() as session:
        create_user(session, "admin", PASSWORD, admin=True)
        rows = session.execute(select(MediaFile.rel_path, MediaFile.id, Face.person_id).join(Face)).all()
    person = {rel_path: (file_id, person_id) for rel_path, file_id, person_id in rows}
    server = uvicorn.Server(uvicorn.Config(create_api(app), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.1)
    port = server.servers[0].sockets[0].getsockname()[1]
    obscured = subprocess.run([rclone, "obscure", PASSWORD], capture_output=True, text=True, check=True).stdout.strip()
    flags = [f"--webdav-url=http://127.0.0.1:{port}/dav/admin", "--webdav-user=admin", f"--webdav-pass={obscured}"]
    try:
        listed = subprocess.run([rclone, "lsf", *flags, ":webdav:persons"], capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert sorted(line.rstrip("/") for line in listed.stdout.split()) == sorted(
            {str(p) for _, p in person.values()}
        )
        file_id, obama = person["obama/a.jpg"]
        _, biden = person["biden/a.jpg"]
        name = f"{file_id}-a.jpg"
        moved = subprocess.run(
            [rclone, "moveto", *flags, f":webdav:persons/{obama}/{name}", f":webdav:persons/{biden}/{name}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert moved.returncode == 0, moved.stderr
        inside = subprocess.run(
            [rclone, "lsf", *flags, f":webdav:persons/{biden}"], capture_output=True, text=True, timeout=60
        )
        assert name in inside.stdout.split()
        with app.database.session() as session:
            assert session.scalars(select(Face.person_id).where(Face.file_id == file_id)).one() == biden
    finally:
        server.should_exit = True
        thread.join(10)

"""A real WebDAV client (rclone, Debian package) lists person collections and moves a photo between them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.library.accounts import create_user
from recognize.server import create_server
from recognize.storage.models import Face, MediaFile
from tests.tools import require_tool, serving

PASSWORD = "rclone-password"


@pytest.fixture
def rclone() -> str:
    return require_tool("rclone")


def test_rclone_lists_and_moves(rclone: str, faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    with app.database.session() as session:
        create_user(session, "admin", PASSWORD, admin=True)
        rows = session.execute(select(MediaFile.rel_path, MediaFile.id, Face.person_id).join(Face)).all()
    person = {rel_path: (file_id, person_id) for rel_path, file_id, person_id in rows}
    obscured = subprocess.run([rclone, "obscure", PASSWORD], capture_output=True, text=True, check=True).stdout.strip()
    with serving(create_server(app)) as base:
        flags = [f"--webdav-url={base}/dav/admin", "--webdav-user=admin", f"--webdav-pass={obscured}"]
        listed = subprocess.run([rclone, "lsf", *flags, ":webdav:persons"], capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert sorted(line.rstrip("/") for line in listed.stdout.split()) == sorted(
            {str(p) for _, p in person.values() if p is not None}
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

"""Per-library detection settings and per-user clustering settings, validated and applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.library.libraries import LibraryError, configure_library, configure_user, library_of, parse_assignments
from recognize.storage.models import Face, Library, MediaFile, User


def _library(app: App, root: Path, test_media: Path, names: list[str]) -> Library:
    root.mkdir()
    for name in names:
        shutil.copy(test_media / "faces" / "face_recognition" / "examples" / name, root / name)
    return app.add_library(root)


def _configure(app: App, library: Library, *assignments: str) -> None:
    with app.database.session() as session:
        user = session.scalars(select(User)).one()
        configure_library(
            session, library_of(session, user, library.id), parse_assignments(list(assignments)), app.settings.faces
        )


def _faces(app: App) -> dict[int, list[tuple[bool, int | None]]]:
    with app.database.session() as session:
        rows = session.execute(
            select(MediaFile.library_id, Face.clusterable, Face.person_id).join(MediaFile, MediaFile.id == Face.file_id)
        )
        found: dict[int, list[tuple[bool, int | None]]] = {}
        for library_id, clusterable, person_id in rows:
            found.setdefault(library_id, []).append((clusterable, person_id))
        return found


def test_library_overrides_apply_to_its_files_only(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    plain = _library(sqlite_app, tmp_path / "plain", test_media, ["obama.jpg", "obama2.jpg"])
    strict = _library(sqlite_app, tmp_path / "strict", test_media, ["obama_small.jpg", "obama-480p.jpg"])
    off = _library(sqlite_app, tmp_path / "off", test_media, ["biden.jpg"])
    _configure(sqlite_app, strict, "faces.min_face_px=5000")
    _configure(sqlite_app, off, "faces.enabled=false")
    for library in (plain, strict, off):
        sqlite_app.process(Path(library.root))
    faces = _faces(sqlite_app)
    assert off.id not in faces
    assert [clusterable for clusterable, _ in faces[strict.id]] == [False, False]
    assert all(person is None for _, person in faces[strict.id])
    assert all(clusterable and person is not None for clusterable, person in faces[plain.id])


def test_user_clustering_settings_are_used(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    library = _library(sqlite_app, tmp_path / "photos", test_media, ["obama.jpg", "obama2.jpg", "obama_small.jpg"])
    with sqlite_app.database.session() as session:
        configure_user(
            session,
            session.scalars(select(User)).one(),
            {"faces": {"min_faces_per_person": "4"}},
            sqlite_app.settings.faces,
        )
    sqlite_app.process(Path(library.root))
    assert all(person is None for _, person in _faces(sqlite_app)[library.id])


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("faces.detector=magic", "detector"),
        ("faces.cluster_distance=0.3", "not a setting here"),
        ("detector=cnn", "expected"),
    ],
)
def test_bad_library_settings_are_refused(sqlite_app: App, tmp_path: Path, assignment: str, message: str) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    library = sqlite_app.add_library(folder)
    with pytest.raises(LibraryError, match=message):
        _configure(sqlite_app, library, assignment)

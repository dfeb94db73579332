"""Scanner on SQLite and PostgreSQL: new, unchanged, changed, moved, deleted, and paths it must skip."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from recognize.app import App
from recognize.library import scanner
from recognize.storage.models import AnalysisState, FileError, Library, MediaFile, SearchDocument, Tag


@pytest.fixture
def library_dir(tmp_path: Path, test_media: Path) -> Path:
    root = tmp_path / "photos"
    (root / "album").mkdir(parents=True)
    photos = test_media / "photos" / "debian-opencv-doc"
    for name in ("fruits.jpg", "butterfly.jpg", "messi5.jpg"):
        shutil.copy(photos / name, root / "album" / name)
    shutil.copy(test_media / "audio" / "dlib-ffmpeg_data" / "116-288045-0000.flac", root / "speech.flac")
    shutil.copy(test_media / "video" / "imageio-binaries" / "realshort.mp4", root / "clip.mp4")
    (root / "notes.txt").write_text("not media, not recorded")
    return root


def _files(app: App, library: Library) -> dict[str, MediaFile]:
    with app.database.session() as session:
        rows = session.scalars(select(MediaFile).where(MediaFile.library_id == library.id))
        return {row.rel_path: row for row in rows}


def test_first_scan_records_media_sniffed_from_content(app: App, library_dir: Path) -> None:
    shutil.copy(library_dir / "album" / "fruits.jpg", library_dir / "really-a-jpeg.png")
    library = app.add_library(library_dir)
    report = app.scan([library])[str(library_dir)]
    files = _files(app, library)
    assert report.added == 7 and report.errors == 0
    media = {path: row.media for path, row in files.items()}
    assert media == {
        "album/fruits.jpg": "image",
        "album/butterfly.jpg": "image",
        "album/messi5.jpg": "image",
        "really-a-jpeg.png": "image",
        "speech.flac": "audio",
        "clip.mp4": "video",
        "notes.txt": None,
    }
    assert files["really-a-jpeg.png"].mime == "image/jpeg"
    assert all(len(row.content_hash or "") == 64 for row in files.values() if row.media)


def test_unchanged_rescan_only_stats(app: App, library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = app.add_library(library_dir)
    app.scan([library])
    reads: list[str] = []
    original = scanner.read_content
    monkeypatch.setattr(scanner, "read_content", lambda path, name: reads.append(path) or original(path, name))
    report = app.scan([library])[str(library_dir)]
    assert (report.added, report.changed, report.moved, report.deleted, report.unchanged) == (0, 0, 0, 0, 6)
    assert reads == []


def test_changed_file_loses_its_results(app: App, library_dir: Path, test_media: Path) -> None:
    library = app.add_library(library_dir)
    app.process(library_dir)
    target = library_dir / "album" / "fruits.jpg"
    with app.database.session() as session:
        before = session.scalar(select(MediaFile.id).where(MediaFile.rel_path == "album/fruits.jpg"))
        assert session.scalar(select(Tag.file_id).where(Tag.file_id == before)) is not None
    shutil.copy(test_media / "photos" / "debian-opencv-doc" / "baboon.jpg", target)
    report = app.scan([library])[str(library_dir)]
    assert report.changed == 1
    with app.database.session() as session:
        row = session.scalar(select(MediaFile).where(MediaFile.rel_path == "album/fruits.jpg"))
        assert session.scalar(select(AnalysisState).where(AnalysisState.file_id == row.id)) is None
        for table in (AnalysisState, Tag, SearchDocument):
            assert session.scalar(select(table.file_id).where(table.file_id == before)) is None
    app.process(library_dir)
    assert _files(app, library)["album/fruits.jpg"].width == 512


def test_moved_file_keeps_id_and_results(app: App, library_dir: Path) -> None:
    library = app.add_library(library_dir)
    app.process(library_dir)
    before = _files(app, library)["album/messi5.jpg"]
    (library_dir / "elsewhere").mkdir()
    os.rename(library_dir / "album" / "messi5.jpg", library_dir / "elsewhere" / "renamed.jpg")
    report = app.scan([library])[str(library_dir)]
    assert (report.moved, report.added, report.deleted) == (1, 0, 0)
    after = _files(app, library)["elsewhere/renamed.jpg"]
    assert after.id == before.id and after.width == before.width
    with app.database.session() as session:
        assert session.get(AnalysisState, (after.id, "metadata")).state == "done"
    assert app.process(library_dir).done["metadata"] == 0


def test_deleted_file_is_removed_with_its_results(app: App, library_dir: Path) -> None:
    library = app.add_library(library_dir)
    app.process(library_dir)
    (library_dir / "clip.mp4").unlink()
    report = app.scan([library])[str(library_dir)]
    assert report.deleted == 1
    assert "clip.mp4" not in _files(app, library)
    with app.database.session() as session:
        assert session.scalar(select(AnalysisState).where(AnalysisState.file_id.not_in(select(MediaFile.id)))) is None


def test_loops_outside_links_and_bad_names_are_recorded_and_skipped(
    app: App, library_dir: Path, tmp_path: Path
) -> None:
    os.symlink(library_dir, library_dir / "album" / "loop")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes((library_dir / "album" / "fruits.jpg").read_bytes())
    os.symlink(outside / "secret.jpg", library_dir / "escape.jpg")
    os.symlink(library_dir / "nowhere.jpg", library_dir / "broken.jpg")
    (Path(os.fsdecode(os.fsencode(str(library_dir)) + b"/caf\xe9.jpg"))).write_bytes(b"x")
    library = app.add_library(library_dir)
    report = app.scan([library])[str(library_dir)]
    assert report.added == 6
    with app.database.session() as session:
        reasons = {error.path: error.reason for error in session.scalars(select(FileError))}
    assert "symlink loop" in reasons["album/loop"]
    assert "outside the library" in reasons["escape.jpg"]
    assert "broken symlink" in reasons["broken.jpg"]
    assert "not valid UTF-8" in reasons["caf\\xe9.jpg"]
    assert app.scan([library])[str(library_dir)].unchanged == 6


def test_a_pipe_in_a_library_gets_an_error_of_its_own(sqlite_app, tmp_path: Path) -> None:
    library = tmp_path / "with-pipe"
    library.mkdir()
    os.mkfifo(library / "pipe.jpg")
    sqlite_app.add_library(library)
    report = sqlite_app.scan(sqlite_app.libraries())[str(library)]
    assert report.errors == 1 and report.error_paths == ["pipe.jpg"]

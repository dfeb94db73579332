"""XMP sidecars out: ``recognize xmp export DEST`` read back by exiftool, and the opt-in sidecars next to the
photos, merged into another tool's sidecar and never mistaken for a change by the scanner."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from recognize.app import App
from recognize.cli import cli
from recognize.faces.named_regions import person_named
from recognize.faces.persons import move_face
from recognize.storage.models import AnalysisState, Face, MediaFile
from tests.tools import exiftool, exiftool_xmp


def named_library(app: App, tmp_path: Path, test_media: Path) -> Path:
    """A processed library of two photos whose one face each is named."""
    root = tmp_path / "photos"
    (root / "album").mkdir(parents=True)
    examples = test_media / "faces" / "face_recognition" / "examples"
    shutil.copy(examples / "obama.jpg", root / "album" / "obama.jpg")
    shutil.copy(examples / "biden.jpg", root / "biden.jpg")
    app.process(root)
    with app.database.session() as session:
        for rel_path, name in (("album/obama.jpg", "Barack Obama"), ("biden.jpg", "Joe Biden")):
            face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == rel_path)).one()
            user_id = session.get_one(MediaFile, face.file_id).library.user_id
            move_face(session, user_id, face.id, person_named(session, user_id, name).id)
    return root


def test_export_writes_sidecars_that_exiftool_reads(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    root = named_library(sqlite_app, tmp_path, test_media)
    destination = tmp_path / "sidecars"
    result = CliRunner().invoke(cli, ["--data-dir", str(sqlite_app.settings.home), "xmp", "export", str(destination)])
    assert result.exit_code == 0, result.output
    mirrored = destination / root.relative_to("/")
    assert sorted(path.relative_to(mirrored).as_posix() for path in mirrored.rglob("*.xmp")) == [
        "album/obama.jpg.xmp",
        "biden.jpg.xmp",
    ]
    obama = exiftool_xmp(mirrored / "album" / "obama.jpg.xmp")
    [region] = obama["RegionInfo"]["RegionList"]
    assert region["Name"] == "Barack Obama" and region["Type"] == "Face" and region["Area"]["Unit"] == "normalized"
    with sqlite_app.database.session() as session:
        face = session.scalars(select(Face).join(MediaFile).where(MediaFile.rel_path == "album/obama.jpg")).one()
        size = session.get_one(MediaFile, face.file_id)
        assert abs(region["Area"]["X"] - (face.x + face.width / 2) / size.width) < 1e-4
    assert obama["RegionInfo"]["AppliedToDimensions"] == {"W": size.width, "H": size.height, "Unit": "pixel"}
    assert "Barack Obama" in obama["Subject"] and "People|Barack Obama" in obama["HierarchicalSubject"]
    assert any(path.startswith("Objects|") for path in obama["HierarchicalSubject"])
    assert not list(root.rglob("*.xmp"))
    assert (mirrored / "album" / "obama.jpg.xmp").stat().st_mode & 0o777 == (
        root / "album" / "obama.jpg"
    ).stat().st_mode & 0o666


def test_sidecars_next_to_photos_only_when_the_library_asks(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    root = named_library(sqlite_app, tmp_path, test_media)
    home = str(sqlite_app.settings.home)
    refused = CliRunner().invoke(cli, ["--data-dir", home, "xmp", "export"])
    assert refused.exit_code == 2 and "xmp.sidecars=on" in refused.output
    digikam = root / "biden.jpg.xmp"
    exiftool("-XMP-xmp:Rating=4", "-XMP-dc:Subject=family", str(digikam))
    [library] = sqlite_app.libraries()
    assert (
        CliRunner().invoke(cli, ["--data-dir", home, "library", "set", str(library.id), "xmp.sidecars=on"]).exit_code
        == 0
    )

    (root / "album" / "obama.jpg").chmod(0o640)
    sqlite_app.process(root)

    assert (root / "album" / "obama.jpg.xmp").stat().st_mode & 0o777 == 0o640  # readable like its photo
    obama = exiftool_xmp(root / "album" / "obama.jpg.xmp")
    assert obama["RegionInfo"]["RegionList"][0]["Name"] == "Barack Obama"
    biden = exiftool_xmp(digikam)
    assert biden["Rating"] == 4 and "family" in biden["Subject"] and "Joe Biden" in biden["Subject"]
    assert biden["RegionInfo"]["RegionList"][0]["Name"] == "Joe Biden"
    with sqlite_app.database.session() as session:
        read_at = {
            row.file_id: row.updated_at
            for row in session.scalars(select(AnalysisState).where(AnalysisState.name == "xmp"))
        }
    report = sqlite_app.scan([library])[str(root)]
    assert (report.added, report.changed, report.deleted) == (0, 0, 0)
    with sqlite_app.database.session() as session:
        again = {
            row.file_id: row.updated_at
            for row in session.scalars(select(AnalysisState).where(AnalysisState.name == "xmp"))
        }
    assert again == read_at

"""Names and keywords other tools wrote (embedded XMP, Lightroom and darktable sidecars, exiftool-made) become
persons and keyword tags through ``recognize process``; a changed sidecar is read again."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from recognize.app import App
from recognize.storage.models import Face, FileError, MediaFile, Person, Tag
from tests.tools import exiftool

EXAMPLES = ("obama.jpg", "biden.jpg", "obama2.jpg")


def detected(app: App, name: str) -> tuple[Face, int, int]:
    """The one detected face of a photo, with the photo's upright width and height."""
    with app.database.session() as session:
        media_file = session.scalars(select(MediaFile).where(MediaFile.rel_path == name)).one()
        face = session.scalars(select(Face).where(Face.file_id == media_file.id)).one()
        session.expunge(face)
        return face, media_file.width or 0, media_file.height or 0


def mwg(name: str, face: Face, width: int, height: int, shift: float = 0.05) -> str:
    """An MWG region around a detected face, moved a little as another tool's box would be."""
    x = (face.x + face.width * (0.5 + shift)) / width
    y = (face.y + face.height * (0.5 - shift)) / height
    area = f"X={x:.4f},Y={y:.4f},W={face.width / width:.4f},H={face.height / height:.4f},Unit=normalized"
    return f"{{Area={{{area}}},Name={name},Type=Face}}"


def faces_of(app: App) -> dict[str, list[tuple[str | None, str | None, str | None]]]:
    """Person name -> (file, assigned_by, embedding model) of each of its faces."""
    with app.database.session() as session:
        rows = session.execute(
            select(Person.name, MediaFile.rel_path, Face.assigned_by, Face.embedding_model)
            .join(Face, Face.person_id == Person.id)
            .join(MediaFile, MediaFile.id == Face.file_id)
        )
        found: dict[str, list[tuple[str | None, str | None, str | None]]] = {}
        for name, rel_path, assigned_by, model in rows:
            found.setdefault(name or "", []).append((rel_path, assigned_by, model))
        return found


def test_regions_and_keywords_from_other_tools_become_persons_and_tags(
    sqlite_app: App, tmp_path: Path, test_media: Path
) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    for name in EXAMPLES:
        shutil.copy(test_media / "faces" / "face_recognition" / "examples" / name, root / name)
    sqlite_app.process(root)
    obama, width, height = detected(sqlite_app, "obama.jpg")
    stranger = "{Area={X=0.05,Y=0.05,W=0.05,H=0.05,Unit=normalized},Name=Stranger,Type=Face}"
    exiftool(
        "-overwrite_original",
        f"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={width},H={height},Unit=pixel}},"
        f"RegionList=[{mwg('Barack Obama', obama, width, height)},{stranger}]}}",
        "-XMP-dc:Subject=holiday",
        "-XMP-dc:Subject=Barack Obama",
        str(root / "obama.jpg"),
    )
    biden, width, height = detected(sqlite_app, "biden.jpg")
    rectangle = "|, ".join(
        f"{value:.4f}" for value in (biden.x / width, biden.y / height, biden.width / width, biden.height / height)
    )
    exiftool(
        f"-XMP-MP:RegionInfoMP={{Regions=[{{PersonDisplayName=Joe Biden,Rectangle={rectangle}}}]}}",
        str(root / "biden.xmp"),
    )

    report = sqlite_app.process(root)

    assert report.done["xmp"] == 2 and report.failed["xmp"] == 0
    persons = faces_of(sqlite_app)
    # The region names the whole unnamed person its face was in (obama2.jpg too), as naming it in the UI would.
    assert sorted(persons["Barack Obama"]) == [
        ("obama.jpg", "user", obama.embedding_model),
        ("obama2.jpg", "auto", obama.embedding_model),
    ]
    assert persons["Stranger"] == [("obama.jpg", "user", "xmp-region")]
    assert persons["Joe Biden"] == [("biden.jpg", "user", biden.embedding_model)]
    with sqlite_app.database.session() as session:
        keywords = session.execute(select(Tag.name, Tag.model).where(Tag.kind == "keyword")).all()
        paths = set(session.scalars(select(MediaFile.rel_path)))
    assert keywords == [("holiday", "xmp-exiv2")]
    assert paths == set(EXAMPLES)

    exiftool("-overwrite_original", "-XMP-MP:RegionInfoMP=", str(root / "biden.xmp"))
    exiftool(
        f"-XMP-MP:RegionInfoMP={{Regions=[{{PersonDisplayName=Joseph Biden,Rectangle={rectangle}}}]}}",
        "-overwrite_original",
        str(root / "biden.xmp"),
    )
    again = sqlite_app.process(root)
    assert again.done["xmp"] == 1 and again.done["faces"] == 0
    persons = faces_of(sqlite_app)
    assert persons["Joseph Biden"] == [("biden.jpg", "user", biden.embedding_model)]
    assert "Joe Biden" not in persons


def test_a_damaged_sidecar_is_an_error_of_its_photo_only(sqlite_app: App, tmp_path: Path, test_media: Path) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    for name in ("obama.jpg", "biden.jpg"):
        shutil.copy(test_media / "faces" / "face_recognition" / "examples" / name, root / name)
    (root / "biden.jpg.xmp").write_bytes(b"\x00\x01 not xml at all <x:xmpmeta")
    report = sqlite_app.process(root)
    assert (report.done["xmp"], report.failed["xmp"]) == (1, 1)
    assert (report.done["faces"], report.failed["faces"]) == (2, 0)
    with sqlite_app.database.session() as session:
        [error] = session.scalars(select(FileError).where(FileError.stage == "xmp"))
        assert error.path == "biden.jpg" and "biden.jpg.xmp" in error.reason

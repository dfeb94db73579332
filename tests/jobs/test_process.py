"""The cascade on SQLite and PostgreSQL: per-file errors, vanished files, resumption, and export shape."""

from __future__ import annotations

import shutil
from pathlib import Path

from recognize.app import App
from recognize.export import export_user
from recognize.jobs.chunks import analyse_files, claim_pending
from recognize.library.libraries import find_user


def _exported(app: App) -> dict[str, dict]:
    with app.database.session() as session:
        document = export_user(session, find_user(session, app.settings.user))
    return {Path(entry["path"]).name: entry for entry in document["files"]}


def test_file_deleted_between_scan_and_decode_is_an_error_and_the_rest_goes_on(
    app: App, tmp_path: Path, test_media: Path
) -> None:
    root = tmp_path / "library"
    root.mkdir()
    for name in ("obama.jpg", "biden.jpg"):
        shutil.copy(test_media / "faces" / "face_recognition" / "examples" / name, root / name)
    library = app.add_library(root)
    app.scan([library])
    with app.database.session() as session:
        claimed = claim_pending(
            session, app.analyses["metadata"], app.settings.jobs.requeue_after, library_id=library.id
        )
    (root / "biden.jpg").unlink()
    report = analyse_files(app, "metadata", claimed)
    assert (report.done, report.failed) == (1, 1)
    assert "vanished" in _exported(app)["biden.jpg"]["error"]
    app.process(root)
    by_name = _exported(app)
    assert "biden.jpg" not in by_name
    assert by_name["obama.jpg"]["error"] is None and len(by_name["obama.jpg"]["faces"]) == 1
    face = by_name["obama.jpg"]["faces"][0]
    assert all(isinstance(value, int) for value in face["bbox"]) and face["score"] > 0
    again = app.process(root)
    assert {"metadata", "faces", "places", "objects"} <= set(again.done) and set(again.done.values()) == {0}
    assert set(again.failed.values()) == {0}


def test_export_counts_faces_per_person(app: App, tmp_path: Path, test_media: Path) -> None:
    root = tmp_path / "library"
    root.mkdir()
    examples = test_media / "faces" / "face_recognition" / "examples"
    for name in ("obama.jpg", "obama2.jpg", "obama_small.jpg", "biden.jpg"):
        shutil.copy(examples / name, root / name)
    app.process(root)
    with app.database.session() as session:
        document = export_user(session, find_user(session, app.settings.user))
    assert len(document["persons"]) == 1
    person = document["persons"][0]
    members = [face for entry in document["files"] for face in entry["faces"] if face["person"] == person["id"]]
    assert person["faces"] == len(members) == 3 and person["name"] is None

"""The timeline: newest first by date taken (undated last), pages counted in SQL, neighbours at both ends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import update

from recognize.app import App
from recognize.library.libraries import find_user
from recognize.library.timeline import month_groups, neighbours, timeline_page
from recognize.storage.models import MediaFile
from tests.media_factory import jpeg_with_exif

DATES = {
    "a.jpg": datetime(2024, 3, 5, 10),
    "b.jpg": datetime(2024, 3, 20, 9),
    "c.jpg": datetime(2023, 12, 24, 18),
    "d.jpg": None,
    "e.jpg": datetime(2024, 3, 20, 9),
}


def test_newest_first_undated_last_with_neighbours(app: App, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in DATES:
        jpeg_with_exif(photos / name)
    library = app.add_library(photos)
    app.scan([library])
    with app.database.session() as session:
        ids = {}
        for name, taken in DATES.items():
            media_file = session.query(MediaFile).filter_by(rel_path=name).one()
            session.execute(
                update(MediaFile).where(MediaFile.id == media_file.id).values(taken_at=taken, media="image")
            )
            ids[name] = media_file.id
    with app.database.session() as session:
        user = find_user(session, app.settings.user)
        total, items = timeline_page(session, user.id, limit=10, offset=0)
        order = [item.id for item in items]
        expected = [max(ids["b.jpg"], ids["e.jpg"]), min(ids["b.jpg"], ids["e.jpg"]), ids["a.jpg"], ids["c.jpg"]]
        assert total == 5 and order == [*expected, ids["d.jpg"]]
        assert [label for label, _ in month_groups(items)] == ["March 2024", "December 2023", "Date unknown"]
        assert timeline_page(session, user.id, limit=2, offset=2)[1][0].id == ids["a.jpg"]
        walked = [neighbours(session, user.id, session.get_one(MediaFile, file_id)) for file_id in order]
        assert [newer for newer, _ in walked] == [None, *order[:-1]]
        assert [older for _, older in walked] == [*order[1:], None]

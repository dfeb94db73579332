"""The file read models the interfaces use check the owner in every query."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from recognize.app import App
from recognize.library.files import FileFilter, file_detail, files_page, files_with_ids, owned_file, tagged_files
from recognize.storage.models import Face, MediaFile, Tag
from tests.faces.conftest import faces_app, owner_and_stranger, processed_template

__all__ = ["faces_app", "processed_template"]


def test_a_file_is_read_only_by_its_owner(faces_app: tuple[App, Path]) -> None:
    app, _root = faces_app
    with app.database.session() as session:
        owner, stranger = owner_and_stranger(session, app)
        face = session.scalars(select(Face).limit(1)).one()
        every_file = select(MediaFile.id)
        session.add(Tag(file_id=face.file_id, name="beach", kind="object", score=0.9, model="test"))
        session.flush()

        detail = file_detail(session, owner.id, face.file_id)
        assert detail is not None and face.id in [f.id for f in detail.faces] and detail.library.user_id == owner.id
        total, page = files_page(session, owner.id, FileFilter(person=face.person_id), limit=100)
        assert total >= 1 and face.file_id in [media_file.id for media_file, _ in page]
        assert [media_file.id for media_file, _ in tagged_files(session, owner.id, "beach")] == [face.file_id]
        assert len(files_with_ids(session, owner.id, every_file)) == session.query(MediaFile).count()

        assert owned_file(session, stranger.id, face.file_id) is None
        assert file_detail(session, stranger.id, face.file_id) is None
        assert files_page(session, stranger.id, FileFilter(person=face.person_id), limit=100) == (0, [])
        assert tagged_files(session, stranger.id, "beach") == []
        assert files_with_ids(session, stranger.id, every_file) == []

"""A file's search document: its tags, places, OCR text, dates, camera and path words, in one text body.

Person names are not in the document (renames and merges would touch thousands of rows); queries
match them against the persons table instead. A file's document is refreshed each time an analysis
stores a result for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from recognize.storage.models import FileText, MediaFile, SearchDocument, Tag

WORDS = re.compile(r"[^\W_]+")


def _date_words(media_file: MediaFile) -> list[str]:
    taken = media_file.taken_at
    if taken is None:
        return []
    return [taken.strftime("%Y"), taken.strftime("%Y-%m"), taken.strftime("%Y-%m-%d"), taken.strftime("%B")]


def document_body(session: Session, media_file: MediaFile) -> str:
    """Everything searchable about one file, as plain words."""
    parts = [*WORDS.findall(media_file.rel_path), *_date_words(media_file)]
    parts += [media_file.camera_make or "", media_file.camera_model or "", media_file.media or ""]
    parts += list(session.scalars(select(Tag.name).where(Tag.file_id == media_file.id)))
    text = session.scalar(select(FileText.content).where(FileText.file_id == media_file.id))
    parts.append(text or "")
    return " ".join(part for part in parts if part)


def refresh_documents(session: Session, file_ids: Iterable[int]) -> None:
    """Rebuild the search documents of these files (the FTS5 triggers or the GIN index follow).

    Written as one upsert per file, so two workers (or two machines) refreshing the same file at once
    do not collide on its key."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    upsert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.flush()
    for file_id in file_ids:
        media_file = session.get(MediaFile, file_id)
        if media_file is None:
            session.execute(delete(SearchDocument).where(SearchDocument.file_id == file_id))
            continue
        body = document_body(session, media_file)
        statement = upsert(SearchDocument).values(file_id=file_id, body=body)
        session.execute(statement.on_conflict_do_update(index_elements=["file_id"], set_={"body": body}))
    session.flush()

"""``recognize search``: files whose tags, places, person names, OCR text or dates match every word, ranked.

Each word may match the file's document (prefix match: "beach" finds "beaches") or the name of a
person seen in the file. The rank adds up, per word, one for a document match plus its full-text rank
(FTS5 bm25 on SQLite, ts_rank on PostgreSQL), or two for a person-name match; ties go to the
most recently added file. Only the requested page of files is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from recognize.search.documents import WORDS
from recognize.storage.models import Face, MediaFile, Person
from recognize.tags.query import user_tags

WORD_HIT = 1.0
PERSON_HIT = 2.0
SQLITE_MATCH = text(
    "SELECT search_fts.rowid, -bm25(search_fts) FROM search_fts "
    "JOIN files ON files.id = search_fts.rowid JOIN libraries ON libraries.id = files.library_id "
    "WHERE search_fts MATCH :query AND libraries.user_id = :user_id"
)
POSTGRES_MATCH = text(
    "SELECT d.file_id, ts_rank(to_tsvector('simple', d.body), to_tsquery('simple', :query)) "
    "FROM search_documents d JOIN files ON files.id = d.file_id JOIN libraries ON libraries.id = files.library_id "
    "WHERE to_tsvector('simple', d.body) @@ to_tsquery('simple', :query) AND libraries.user_id = :user_id"
)


@dataclass
class SearchResult:
    """What matched: persons and tags by name, and a page of the files, best first, with their scores."""

    persons: list[Person] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    files: list[MediaFile] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    total: int = 0


def query_words(query: str) -> list[str]:
    """The words of a query, lower-cased, as the index tokenises them."""
    return [word.lower() for word in WORDS.findall(query)]


def _text_hits(session: Session, user_id: int, word: str) -> dict[int, float]:
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(SQLITE_MATCH, {"query": f'"{word}"*', "user_id": user_id})
    else:
        rows = session.execute(POSTGRES_MATCH, {"query": f"{word}:*", "user_id": user_id})
    return {file_id: float(rank) for file_id, rank in rows}


def _person_hits(session: Session, user_id: int, word: str) -> tuple[list[Person], dict[int, float]]:
    persons = list(
        session.scalars(
            select(Person).where(Person.user_id == user_id, Person.hidden.is_(False), Person.name.ilike(f"%{word}%"))
        )
    )
    file_ids = session.scalars(select(Face.file_id).where(Face.person_id.in_([person.id for person in persons])))
    return persons, dict.fromkeys(file_ids, PERSON_HIT)


def search(session: Session, user_id: int, query: str, limit: int = 200, offset: int = 0) -> SearchResult:
    """Files matching every word of ``query`` (in their document or a person's name), best first."""
    words = query_words(query)
    if not words:
        return SearchResult()
    scores: dict[int, float] | None = None
    persons: dict[int, Person] = {}
    for word in words:
        matched_persons, hits = _person_hits(session, user_id, word)
        persons.update((person.id, person) for person in matched_persons)
        for file_id, rank in _text_hits(session, user_id, word).items():
            hits[file_id] = hits.get(file_id, 0.0) + WORD_HIT + rank
        scores = hits if scores is None else {f: scores[f] + hits[f] for f in scores.keys() & hits.keys()}
    assert scores is not None
    page_ids = sorted(scores, key=lambda file_id: (-scores[file_id], -file_id))[offset : offset + limit]
    files = {f.id: f for f in session.scalars(select(MediaFile).where(MediaFile.id.in_(page_ids)))}
    page = [files[file_id] for file_id in page_ids if file_id in files]
    tags = user_tags(session, user_id, name_contains=query.strip())
    found = {f.id: round(scores[f.id], 4) for f in page}
    return SearchResult(list(persons.values()), tags, page, found, total=len(scores))

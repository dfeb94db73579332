"""``recognize search``: files whose tags, places, person names, OCR text or dates match every word, ranked.

Each word may match the file's document (prefix match: "beach" finds "beaches") or the name of a
person seen in the file. The rank is the full-text rank of the document words together (FTS5 bm25 on SQLite, ts_rank on
PostgreSQL) plus one per document word, and two per word found as a person's name; ties go to the
most recently added file. The database ranks and cuts the page: no hit is scored in Python. The total
is counted up to ``TOTAL_CAP``; a query with more matches than that lists its files newest first
(bm25 over tens of thousands of near-identical hits costs more than it tells).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from recognize.search.documents import WORDS
from recognize.storage.models import MediaFile, Person
from recognize.tags.query import tags_matching

WORD_HIT = 1.0
PERSON_HIT = 2.0
TOTAL_CAP = 10_000
TAG_LIMIT = 20


@dataclass
class SearchResult:
    """What matched: persons and tags by name, and a page of the files, best first, with their scores.

    ``total`` counts the matching files up to ``TOTAL_CAP``; ``total_capped`` says when there are more (the
    files then come newest first, not by rank)."""

    persons: list[Person] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    files: list[MediaFile] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    total: int = 0
    total_capped: bool = False


def query_words(query: str) -> list[str]:
    """The words of a query, lower-cased, as the index tokenises them."""
    return [word.lower() for word in WORDS.findall(query)]


def _persons_named(session: Session, user_id: int, word: str) -> list[Person]:
    return list(
        session.scalars(
            select(Person).where(Person.user_id == user_id, Person.hidden.is_(False), Person.name.ilike(f"%{word}%"))
        )
    )


class _FullText:
    """The full-text SQL of one database: files matching words as prefixes, and their rank."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def words(self, words: list[str]) -> str:
        """A query for files whose document has every word (as a prefix)."""
        if self.sqlite:
            return " AND ".join(f'"{word}"*' for word in words)
        return " & ".join(f"{word}:*" for word in words)

    def source(self) -> tuple[str, str, str, str]:
        """FROM clause, WHERE condition, rank expression and file id column for the files matching ``:text``
        (ordering by the full-text table's own id lets it stop at the page)."""
        if self.sqlite:
            return (
                "search_fts JOIN files ON files.id = search_fts.rowid",
                "search_fts MATCH :text",
                "-bm25(search_fts)",
                "search_fts.rowid",
            )
        vector = "to_tsvector('simple', d.body)"
        return (
            "search_documents d JOIN files ON files.id = d.file_id",
            f"{vector} @@ to_tsquery('simple', :text)",
            f"ts_rank({vector}, to_tsquery('simple', :text))",
            "d.file_id",
        )

    def has(self, parameter: str) -> str:
        """A condition: the file's document has the words bound to ``parameter``."""
        if self.sqlite:
            return f"files.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :{parameter})"
        return (
            "files.id IN (SELECT file_id FROM search_documents "
            f"WHERE to_tsvector('simple', body) @@ to_tsquery('simple', :{parameter}))"
        )


def search(session: Session, user_id: int, query: str, limit: int = 200, offset: int = 0) -> SearchResult:
    """Files matching every word of ``query`` (in their document or a person's name), best first.

    One statement ranks and cuts the page in the database; a word that names a person also matches
    the files where that person is seen."""
    words = list(dict.fromkeys(query_words(query)))
    if not words:
        return SearchResult()
    full_text = _FullText(session)
    named = {word: _persons_named(session, user_id, word) for word in words}
    text_words = [word for word in words if not named[word]]
    params: dict[str, Any] = {"user_id": user_id}
    source, rank, file_id = "files", "0", "files.id"
    conditions, score = ["libraries.user_id = :user_id", "files.media IS NOT NULL"], [str(WORD_HIT * len(text_words))]
    if text_words:
        source, matches, rank, file_id = full_text.source()
        params["text"] = full_text.words(text_words)
        conditions.append(matches)
    for number, word in enumerate(word for word in words if named[word]):
        persons = ", ".join(str(person.id) for person in named[word])
        seen = f"files.id IN (SELECT file_id FROM faces WHERE person_id IN ({persons}))"
        params[f"word{number}"] = full_text.words([word])
        conditions.append(f"({seen} OR {full_text.has(f'word{number}')})")
        score.append(f"(CASE WHEN {seen} THEN {PERSON_HIT} ELSE {WORD_HIT} END)")
    matching = f"FROM {source} JOIN libraries ON libraries.id = files.library_id WHERE {' AND '.join(conditions)}"
    counted = session.scalar(text(f"SELECT count(*) FROM (SELECT 1 {matching} LIMIT {TOTAL_CAP + 1}) AS hits"), params)
    capped = (counted or 0) > TOTAL_CAP
    ranking = " + ".join(["0" if capped else rank, *score])
    order = f"{file_id} DESC" if capped and len(score) == 1 else f"score DESC, {file_id} DESC"
    ranked = f"SELECT files.id, {ranking} AS score {matching} ORDER BY {order}"
    page = session.execute(text(f"{ranked} LIMIT :limit OFFSET :offset"), {**params, "limit": limit, "offset": offset})
    scores = {file_id: round(float(value), 4) for file_id, value in page}
    loaded = {f.id: f for f in session.scalars(select(MediaFile).where(MediaFile.id.in_(list(scores))))}
    return SearchResult(
        persons=list({person.id: person for found in named.values() for person in found}.values()),
        tags=tags_matching(session, user_id, query.strip(), TAG_LIMIT, TOTAL_CAP),
        files=[loaded[file_id] for file_id in scores if file_id in loaded],
        scores=scores,
        total=min(counted or 0, TOTAL_CAP),
        total_capped=capped,
    )

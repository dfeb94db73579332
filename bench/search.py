"""Search benchmark: ranked full-text search over 100,000 files on the embedded SQLite default.

Every file gets three tags from a vocabulary of 300 words, a date and a path; the search documents
are built by ``refresh_documents`` (the FTS5 triggers follow). Ours: ``recognize.search.query.search``
(FTS5, every word must match, ranked and cut to a page of 50 in SQLite, total counted up to 1,000).
Baselines, same database and run: the previous ranked search (every hit of every word scored in
Python, then sorted) and the substring search before it (``ILIKE '%word%'`` over tag names). Target:
50 ms for any query (issue 13).

Also times the Photos timeline (a page of 120, first and half-way, and a viewer's neighbours) against
the file listing query the REST API had before.

usage: python bench/search.py [--files 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert, select, text

from recognize.app import App
from recognize.config import load_settings
from recognize.library.timeline import neighbours, timeline_page
from recognize.search.documents import refresh_documents
from recognize.search.query import query_words, search
from recognize.storage.models import Library, MediaFile, Tag, TagName
from recognize.tags.query import user_tags

QUERIES = ("dog", "beach 2019", "word17 word42", "nothingmatches")
RUNS = 20


def build(app: App, root: Path, files: int) -> int:
    """Insert the files, their tags and their search documents; return the user id."""
    rng = np.random.default_rng(7)
    vocabulary = ["cat", "dog", "beach", "car", "food", "mountain"] + [f"word{i}" for i in range(294)]
    start = datetime(2015, 1, 1)
    library = app.add_library(root, "admin")
    with app.database.session() as session:
        rows = [
            {
                "library_id": library.id,
                "rel_path": f"{index // 1000:03d}/IMG_{index:06d}.jpg",
                "size": 1,
                "mtime_ns": 0,
                "device": 0,
                "inode": index,
                "media": "image",
                "taken_at": start + timedelta(hours=int(rng.integers(0, 24 * 365 * 8))),
            }
            for index in range(files)
        ]
        session.execute(insert(MediaFile), rows)
        ids = list(session.scalars(select(MediaFile.id).where(MediaFile.library_id == library.id)))
        tags = [
            {"file_id": file_id, "kind": "object", "name": name, "score": 0.5, "model": "bench"}
            for file_id in ids
            for name in {vocabulary[int(i)] for i in rng.zipf(1.3, 3) % len(vocabulary)}
        ]
        session.execute(insert(Tag), tags)
        names = {(tag["name"], tag["kind"]) for tag in tags}
        session.execute(insert(TagName), [{"name": name, "kind": kind} for name, kind in names])
        began = time.perf_counter()
        refresh_documents(session, ids)
        print(f"built {files} search documents in {time.perf_counter() - began:.1f} s")
        return library.user_id


PREVIOUS_MATCH = text(
    "SELECT search_fts.rowid, -bm25(search_fts) FROM search_fts "
    "JOIN files ON files.id = search_fts.rowid JOIN libraries ON libraries.id = files.library_id "
    "WHERE search_fts MATCH :query AND libraries.user_id = :user_id"
)


def previous_search(app: App, user_id: int, query: str) -> int:
    """The ranked search this project had before: per word, every hit scored in Python, then sorted."""
    with app.database.session() as session:
        scores: dict[int, float] | None = None
        for word in query_words(query):
            hits = {
                file_id: 1.0 + float(rank)
                for file_id, rank in session.execute(PREVIOUS_MATCH, {"query": f'"{word}"*', "user_id": user_id})
            }
            scores = hits if scores is None else {f: scores[f] + hits[f] for f in scores.keys() & hits.keys()}
        ranked = sorted(scores or {}, key=lambda file_id: (-(scores or {})[file_id], -file_id))[:50]
        session.scalars(select(MediaFile).where(MediaFile.id.in_(ranked))).all()
        user_tags(session, user_id, name_contains=query)
        return len(scores or {})


def substring_search(app: App, user_id: int, query: str) -> int:
    """The earlier search: files with a tag containing every word, newest first."""
    with app.database.session() as session:
        statement = select(MediaFile.id).join(Library).where(Library.user_id == user_id)
        for word in query.split():
            statement = statement.where(MediaFile.id.in_(select(Tag.file_id).where(Tag.name.ilike(f"%{word}%"))))
        return len(session.execute(statement.order_by(MediaFile.taken_at.desc()).limit(50)).all())


def timed(function: Callable[..., int], *args: object) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(RUNS):
        began = time.perf_counter()
        count = function(*args)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100_000)
    files = parser.parse_args().files
    with tempfile.TemporaryDirectory() as folder:
        app = App(load_settings(home=Path(folder) / "home"))
        (Path(folder) / "library").mkdir()
        user_id = build(app, Path(folder) / "library", files)

        def ours(query: str) -> int:
            with app.database.session() as session:
                return search(session, user_id, query, limit=50).total

        print(
            f"{'query':16} {'target':>8} {'ours (ranked in SQL)':>27} {'previous (ranked in Python)':>28} {'ILIKE':>9}"
        )
        for query in QUERIES:
            ours_ms, total = timed(ours, query)
            previous_ms, hits = timed(previous_search, app, user_id, query)
            base_ms, _ = timed(substring_search, app, user_id, query)
            print(
                f"{query:16} {'50 ms':>8} {ours_ms:10.1f} ms {total:5} counted {previous_ms:13.1f} ms {hits:6} hits"
                f" {base_ms:6.1f} ms"
            )
        timeline(app, user_id, files)
        app.close()


def timeline(app: App, user_id: int, files: int) -> None:
    """The Photos page (120 per page, first and half-way) and a viewer's neighbours; baseline: the same pages
    through the file listing the REST API had before (``GET /api/files`` ordering and count)."""

    def page(offset: int) -> int:
        with app.database.session() as session:
            return len(timeline_page(session, user_id, 120, offset)[1])

    def listing(offset: int) -> int:
        query = select(MediaFile, Library.root).join(Library).where(Library.user_id == user_id)
        with app.database.session() as session:
            session.scalar(select(func.count()).select_from(query.subquery()))
            ordered = query.order_by(MediaFile.taken_at.desc(), MediaFile.id).limit(120).offset(offset)
            return len(session.execute(ordered).all())

    def around(offset: int) -> int:
        with app.database.session() as session:
            middle = timeline_page(session, user_id, 1, offset)[1][0].id
            return sum(x is not None for x in neighbours(session, user_id, session.get_one(MediaFile, middle)))

    print(f"\n{'timeline, 120 per page':34} {'first page':>12} {'page at half':>14} {'viewer neighbours':>18}")
    print(
        f"{'ours (timeline_page, neighbours)':34} {timed(page, 0)[0]:9.1f} ms {timed(page, files // 2)[0]:11.1f} ms"
        f" {timed(around, files // 2)[0]:15.1f} ms"
    )
    print(
        f"{'baseline (GET /api/files query)':34} {timed(listing, 0)[0]:9.1f} ms"
        f" {timed(listing, files // 2)[0]:11.1f} ms {'-':>18}"
    )


if __name__ == "__main__":
    main()

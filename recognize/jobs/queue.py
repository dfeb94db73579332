"""The queue engine: huey, with SQLite storage by default or PostgreSQL storage for several machines."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, SqliteHuey


def build_queue(url: str) -> Huey:
    """A huey instance on ``sqlite:///PATH`` or ``postgresql://user@host:port/db`` (huey's SQL storage)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("recognize", filename=str(path), results=False, utc=True, timeout=30)
    if url.startswith(("postgresql://", "postgres://")):
        from huey.contrib.sql_huey import SqlHuey

        return SqlHuey("recognize", database=url, results=False, utc=True)
    raise ValueError(f"unsupported queue URL {url!r}: use sqlite:///PATH or postgresql://...")

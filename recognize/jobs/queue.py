"""The queue engine: huey, with SQLite storage by default, or PostgreSQL or Redis storage for several machines."""

from __future__ import annotations

import time
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey

from recognize.storage.database import create_private_file

CREATE_ATTEMPTS = 5


def build_queue(url: str) -> Huey:
    """A huey instance on ``sqlite:///PATH``, ``postgresql://user@host:port/db`` (huey's SQL storage) or
    ``redis://host:port/db`` (huey's Redis storage)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        create_private_file(path)
        return SqliteHuey("recognize", filename=str(path), results=False, utc=True, timeout=30)
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres_queue(url)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("recognize", url=url, results=False, utc=True)
    raise ValueError(f"unsupported queue URL {url!r}: use sqlite:///PATH, postgresql://... or redis://...")


def _postgres_queue(url: str) -> Huey:
    """huey's SQL storage; tables are created here, tolerating another machine creating them at the same moment."""
    from huey.contrib.sql_huey import SqlHuey
    from peewee import IntegrityError, ProgrammingError

    queue = SqlHuey("recognize", database=url, results=False, utc=True, create_tables=False)
    for attempt in range(CREATE_ATTEMPTS):
        try:
            queue.storage.create_tables()
            return queue
        except (IntegrityError, ProgrammingError):
            queue.storage.database.close()
            time.sleep(0.2 * (attempt + 1))
    queue.storage.create_tables()
    return queue

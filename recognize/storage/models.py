"""ORM tables. Every row below a library is scoped to the library's user."""

from __future__ import annotations

from datetime import UTC, datetime
from time import time_ns
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now, the one clock every row uses."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class User(Base):
    """A person using the instance; owns libraries."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    library_roots: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    libraries: Mapped[list[Library]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Library(Base):
    """A mount point: one folder root owned by one user."""

    __tablename__ = "libraries"
    __table_args__ = (UniqueConstraint("user_id", "root"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    root: Mapped[str] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the library is paused (its folder is not the recorded one any more); None while it is usable.
    problem: Mapped[str | None] = mapped_column(Text)
    # A WebDAV library (``root`` is its URL): the login used on the server ({"user", "password"}), never shown,
    # and each folder's ETag at the last scan (a folder whose ETag did not change is not listed again).
    credential: Mapped[dict[str, str] | None] = mapped_column(JSON)
    folder_etags: Mapped[dict[str, str] | None] = mapped_column(JSON)

    @property
    def remote(self) -> bool:
        """Whether the library is a folder on a WebDAV server (its root is a URL)."""
        return self.root.startswith(("http://", "https://"))

    user: Mapped[User] = relationship(back_populates="libraries")


class MediaFile(Base):
    """One file of a library, as last seen by the scanner, with its probed metadata."""

    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("library_id", "rel_path"),
        Index("ix_files_library_hash", "library_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id", ondelete="CASCADE"))
    rel_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    device: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    media: Mapped[str | None] = mapped_column(String(8))
    mime: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Where taken_at came from: exif, metadata (a video's or song's container), name or mtime (the last two estimated).
    date_source: Mapped[str | None] = mapped_column(String(8))
    camera_make: Mapped[str | None] = mapped_column(String(128))
    camera_model: Mapped[str | None] = mapped_column(String(128))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    duration: Mapped[float | None] = mapped_column(Float)
    codec: Mapped[str | None] = mapped_column(String(64))
    sidecars: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    library: Mapped[Library] = relationship()


class FileError(Base):
    """A recorded per-file (or per-folder) failure: which path, which stage, why."""

    __tablename__ = "file_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnalysisState(Base):
    """That one analysis (metadata, faces, ...) has run on one file, and how it ended."""

    __tablename__ = "analyses"

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))


class Person(Base):
    """A person: a group of faces of one user, named or not. Not a tag."""

    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_user_face_count", "user_id", text("face_count DESC"), "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    face_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)  # kept by triggers on faces


class Face(Base):
    """One detected face: box in upright original pixels, embedding, quality, and its person."""

    __tablename__ = "faces"
    __table_args__ = (
        Index("ix_faces_person_cover", "person_id", text("cover_rank DESC"), "id"),
        Index(
            "ix_faces_grouping",
            *("file_id", "id", "person_id", "assigned_by", "clusterable", "embedding_model", "age", "embedded_at"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    landmarks: Mapped[list[list[float]]] = mapped_column(JSON)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(64))
    embedded_at: Mapped[int | None] = mapped_column(BigInteger, default=time_ns)
    """When ``embedding`` was written (ns): a vector kept in memory is read again once it changed."""
    age: Mapped[float | None] = mapped_column(Float)
    blur: Mapped[float] = mapped_column(Float)
    clusterable: Mapped[bool] = mapped_column(Boolean)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    assigned_by: Mapped[str | None] = mapped_column(String(8))
    cover_rank: Mapped[float | None] = mapped_column(Float, Computed("width * (1 - blur)"))
    """How well the face shows its person (large and sharp first); computed by the database, indexed per person."""
    frame_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FaceRejection(Base):
    """The user took this face out of this person: it is never put back automatically."""

    __tablename__ = "face_rejections"

    face_id: Mapped[int] = mapped_column(ForeignKey("faces.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)


class Control(Base):
    """Instance-wide switches shared by every worker machine (e.g. paused)."""

    __tablename__ = "control"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ApiToken(Base):
    """A token for scripts: only its SHA-256 is stored; it may expire or be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Tag(Base):
    """A tag on a file: what it is, which kind (place, object, ...), how sure, and which model said so."""

    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_name", "name"),)

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(100))


class TagName(Base):
    """Every tag name and kind once (kept by ``tags.store``), so finding tags by name scans a short table."""

    __tablename__ = "tag_names"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)


class FileText(Base):
    """Text read in a photo (OCR), line by line, with the model that read it."""

    __tablename__ = "file_texts"

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(100))


class SearchDocument(Base):
    """Everything searchable about a file but person names: tags, places, text, dates, path words.

    SQLite indexes ``body`` with an FTS5 table kept in step by triggers; PostgreSQL with a GIN
    index on ``to_tsvector('simple', body)`` (migration 0007).
    """

    __tablename__ = "search_documents"

    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class Confirmation(Base):
    """A user's answer to a question about a face or two persons: yes (must-link), no (cannot-link), skip."""

    __tablename__ = "confirmations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuestionList(Base):
    """A user's questions and merge suggestions as last made (``faces/question_cache.py``), with the state of the
    faces they were made from: served at once by a process that has not made its own yet."""

    __tablename__ = "question_lists"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pairs: Mapped[list[list[float]]] = mapped_column(JSON)
    """Pairs of persons to suggest merging: [person, person, distance]."""
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NextcloudTag(Base):
    """A system tag recognize assigned to a file in a Nextcloud library (it removes only these, never a tag)."""

    __tablename__ = "nextcloud_tags"

    library_id: Mapped[int] = mapped_column(ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True)
    nextcloud_file_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tag_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))


class Lease(Base):
    """A named lock (a library's crawl, a user's grouping) and who holds it: ``host:pid:start#thread``."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonHistory(Base):
    """One person operation of a user (rename, hide, merge, split, move, answer) with the persons, faces and
    rejections it touched before and after, so it can be undone; ids are never reused."""

    __tablename__ = "person_history"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


PERSON_ID_HIGH = "person-id-high"


@event.listens_for(Person, "before_insert")
def _never_reuse_person_ids(_mapper: Any, connection: Any, person: Person) -> None:
    """SQLite gives a new row the largest id + 1, so a person made after the newest one was merged away would
    get its id (and an undone merge could not bring it back). Ids come from a high-water mark instead, raised
    in one statement under SQLite's write lock; PostgreSQL's sequences never reuse ids."""
    if person.id is not None or connection.dialect.name != "sqlite":
        return
    connection.execute(text("INSERT OR IGNORE INTO control (key, value) VALUES (:key, '0')"), {"key": PERSON_ID_HIGH})
    person.id = connection.execute(
        text(
            "UPDATE control SET value = CAST(max(CAST(value AS INTEGER), "
            "(SELECT coalesce(max(id), 0) FROM persons)) + 1 AS TEXT) WHERE key = :key RETURNING CAST(value AS INTEGER)"
        ),
        {"key": PERSON_ID_HIGH},
    ).scalar_one()

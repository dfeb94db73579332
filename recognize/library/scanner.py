"""Scanner: bring a library's file table in line with its folder.

New, changed, moved (same content at a new path: the row and its results are kept) and deleted
files are detected. An unchanged file costs one stat: no hashing, no decoding.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from recognize.library.confined import OutsideLibrary, confined_file
from recognize.library.walk import Found, Skipped, display_path, walk
from recognize.library.webdav import RemoteFound, UnchangedFolder, WebDavFolder
from recognize.media.errors import MediaError
from recognize.media.sidecar_files import XMP_ANALYSIS, is_sidecar, sidecar_base, signature
from recognize.media.sniff import SNIFF_BYTES, Sniffed, claimed_media, sniff_bytes, sniff_with_ffmpeg
from recognize.storage.control import clear_remote_failures, count_remote_failure
from recognize.storage.database import Database
from recognize.storage.models import (
    AnalysisState,
    FileError,
    Library,
    MediaFile,
    utcnow,
)

HASH_CHUNK = 1 << 20
BATCH = 1000


@dataclass
class ScanReport:
    """What one scan found."""

    added: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    errors: int = 0
    seconds: float = 0.0
    error_paths: list[str] = field(default_factory=list)
    paused: str | None = None  # why the library was not scanned (its folder was replaced): see Library.problem
    unavailable: str | None = None  # why a WebDAV library could not be listed now (tried again later)
    failures: int = 0  # attempts in a row that could not reach the server


@dataclass(frozen=True)
class Content:
    """A file's hash and sniffed media type (None when not media; ``error`` says why when it claims to be)."""

    content_hash: str | None
    sniffed: Sniffed | None
    error: str | None


@dataclass(frozen=True)
class Known:
    """A file row as the scanner needs it."""

    id: int
    size: int
    mtime_ns: int
    inode: int
    content_hash: str | None


def remote_content(found: RemoteFound) -> Content:
    """What a WebDAV listing tells of a file: its identity (file id and ETag: a move keeps both, a change gives
    a new ETag) and the media its name claims; the content itself is checked when it is analysed."""
    claimed = claimed_media(found.rel_path)
    mime = found.mime or "application/octet-stream"
    return Content(f"dav:{found.inode}:{found.etag}", Sniffed(claimed, mime) if claimed else None, None)


def read_content(path: str, name: str) -> Content:
    """Sniff and hash a file; a file that is no media and does not claim to be is only sniffed."""
    digest = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        sniffed = sniff_bytes(head)
        claimed = claimed_media(name)
        if sniffed is None and claimed is None:
            return Content(None, None, None)
        digest.update(head)
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    error = None
    if not head:
        error = "empty file (0 bytes)"
    elif sniffed is None and claimed in ("video", "audio"):
        try:
            sniffed = sniff_with_ffmpeg(path)
        except MediaError as media_error:
            error = str(media_error)
    elif sniffed is None:
        error = f"content is not a recognised {claimed} format, whatever its name says"
    return Content(digest.hexdigest(), sniffed, error)


class Scanner:
    """Scans one library into the database."""

    def __init__(
        self,
        database: Database,
        library: Library,
        progress: Callable[[int], None] | None = None,
        excluded: Sequence[Path] = (),
        remote: WebDavFolder | None = None,
    ) -> None:
        self.database = database
        self.library = library
        self.excluded = [str(path) for path in excluded]
        self.remote = remote
        self.folder_etags = dict(library.folder_etags or {})
        self.unchanged_folders: list[str] = []
        self.progress = progress or (lambda _count: None)
        self.report = ScanReport()

    def run(self) -> ScanReport:
        """Walk, compare with the stored rows, and write the differences."""
        started = time.perf_counter()
        known = self._load_known()
        seen: set[str] = set()
        candidates: list[Found] = []
        skipped: list[Skipped] = []
        sidecars: dict[str, str] = {}
        for count, item in enumerate(self._walk(), start=1):
            if isinstance(item, UnchangedFolder):
                self.unchanged_folders.append(item.rel_path + "/")
                continue
            if isinstance(item, Skipped):
                skipped.append(item)
                continue
            if is_sidecar(item.rel_path):
                sidecars[item.rel_path] = signature(os.path.basename(item.rel_path), item.size, item.mtime_ns)
                continue
            seen.add(item.rel_path)
            row = known.get(item.rel_path)
            if row is not None and (row.size, row.mtime_ns, row.inode) == (item.size, item.mtime_ns, item.inode):
                self.report.unchanged += 1
            else:
                candidates.append(item)
            if count % BATCH == 0:
                self.progress(count)
        kept = tuple(self.unchanged_folders)
        in_kept = {path for path in known if path not in seen and kept and path.startswith(kept)}
        self.report.unchanged += len(in_kept)
        gone = {path: row for path, row in known.items() if path not in seen and path not in in_kept}
        self._record_skipped(skipped)
        self._apply(candidates, known, gone)
        self._link_sidecars(sidecars)
        with self.database.session() as session:
            library = session.get(Library, self.library.id)
            assert library is not None
            library.scanned_at = utcnow()
            if self.remote is not None:
                library.folder_etags = self.folder_etags
                clear_remote_failures(session, library.id)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _walk(self) -> Iterator[Found | Skipped | UnchangedFolder]:
        if self.remote is None:
            return walk(self.library.root, self.excluded)
        return self.remote.walk(self.folder_etags)

    def _load_known(self) -> dict[str, Known]:
        with self.database.session() as session:
            rows = session.execute(
                select(
                    MediaFile.rel_path,
                    MediaFile.id,
                    MediaFile.size,
                    MediaFile.mtime_ns,
                    MediaFile.inode,
                    MediaFile.content_hash,
                ).where(MediaFile.library_id == self.library.id)
            )
            return {
                rel_path: Known(id_, size, mtime, inode, digest) for rel_path, id_, size, mtime, inode, digest in rows
            }

    def _record_skipped(self, skipped: list[Skipped]) -> None:
        with self.database.session() as session:
            session.execute(
                delete(FileError).where(
                    FileError.library_id == self.library.id, FileError.file_id.is_(None), FileError.stage == "scan"
                )
            )
            for item in skipped:
                session.add(
                    FileError(
                        library_id=self.library.id, path=display_path(item.rel_path), stage="scan", reason=item.reason
                    )
                )
                self.report.error_paths.append(display_path(item.rel_path))
        self.report.errors += len(skipped)

    def _apply(self, candidates: list[Found], known: dict[str, Known], gone: dict[str, Known]) -> None:
        by_hash: dict[str, list[Known]] = {}
        for row in gone.values():
            if row.content_hash:
                by_hash.setdefault(row.content_hash, []).append(row)
        moved_ids: set[int] = set()
        for start in range(0, len(candidates), BATCH):
            with self.database.session() as session:
                for found in candidates[start : start + BATCH]:
                    self._apply_one(session, found, known.get(found.rel_path), by_hash, moved_ids)
            self.progress(start + BATCH)
        self._delete_gone([row.id for row in gone.values() if row.id not in moved_ids])

    def _apply_one(
        self, session: Session, found: Found, row: Known | None, by_hash: dict[str, list[Known]], moved_ids: set[int]
    ) -> None:
        content = remote_content(found) if isinstance(found, RemoteFound) else self._local_content(session, found)
        if content is None:
            return
        if row is not None:
            self._update(session, row.id, found, content, same_content=content.content_hash == row.content_hash)
            return
        twins = by_hash.get(content.content_hash) if content.content_hash else None
        if twins:
            moved = twins.pop()
            moved_ids.add(moved.id)
            moved_file = session.get_one(MediaFile, moved.id)
            moved_file.rel_path, moved_file.changed_at = found.rel_path, utcnow()
            self._update(session, moved.id, found, content, same_content=True)
            self.report.moved += 1
            return
        media_file = MediaFile(library_id=self.library.id, rel_path=found.rel_path)
        self._fill(media_file, found, content)
        session.add(media_file)
        session.flush()
        self._content_error(session, media_file, content)
        self.report.added += 1

    def _local_content(self, session: Session, found: Found) -> Content | None:
        """The file's hash and sniffed type, read inside the library; None (with the path's error) when it cannot be."""
        try:
            with confined_file(self.library.root, found.rel_path) as handle:
                content = read_content(str(handle), found.rel_path)
        except OutsideLibrary as outside:
            self._path_error(session, found.rel_path, str(outside).removeprefix(self.library.root + os.sep))
            return None
        except FileNotFoundError:
            self._path_error(session, found.rel_path, "vanished while scanning")
            return None
        except OSError as error:
            self._path_error(session, found.rel_path, f"cannot read: {error.strerror or error}")
            return None
        if content.error:
            return replace(content, error=content.error.replace(str(handle), found.rel_path))
        return content

    def _update(self, session: Session, file_id: int, found: Found, content: Content, same_content: bool) -> None:
        """Refresh a known file's stat; a file whose content changed is another file: its row goes, and the
        foreign keys take its results, errors and search document with it."""
        media_file = session.get_one(MediaFile, file_id)
        if same_content:
            media_file.size, media_file.mtime_ns = found.size, found.mtime_ns
            media_file.device, media_file.inode = found.device, found.inode
            return
        session.delete(media_file)
        session.flush()
        replacement = MediaFile(library_id=self.library.id, rel_path=found.rel_path, changed_at=utcnow())
        self._fill(replacement, found, content)
        session.add(replacement)
        session.flush()
        self._content_error(session, replacement, content)
        self.report.changed += 1

    @staticmethod
    def _fill(media_file: MediaFile, found: Found, content: Content) -> None:
        media_file.size, media_file.mtime_ns = found.size, found.mtime_ns
        media_file.device, media_file.inode = found.device, found.inode
        media_file.content_hash = content.content_hash
        media_file.media = content.sniffed.media if content.sniffed and not content.error else None
        media_file.mime = content.sniffed.mime if content.sniffed else None

    def _content_error(self, session: Session, media_file: MediaFile, content: Content) -> None:
        if content.error:
            session.add(
                FileError(
                    library_id=self.library.id,
                    file_id=media_file.id,
                    path=media_file.rel_path,
                    stage="scan",
                    reason=content.error,
                )
            )
            self.report.errors += 1
            self.report.error_paths.append(media_file.rel_path)

    def _path_error(self, session: Session, rel_path: str, reason: str) -> None:
        session.add(FileError(library_id=self.library.id, path=display_path(rel_path), stage="scan", reason=reason))
        self.report.errors += 1
        self.report.error_paths.append(display_path(rel_path))

    def _link_sidecars(self, sidecars: dict[str, str]) -> None:
        """Record each file's XMP sidecars; a file whose sidecars changed has its XMP read again."""
        with self.database.session() as session:
            in_library = MediaFile.library_id == self.library.id
            if not sidecars and not session.scalar(select(exists().where(in_library, MediaFile.sidecars.is_not(None)))):
                return
            rows = session.execute(select(MediaFile.id, MediaFile.rel_path, MediaFile.sidecars).where(in_library)).all()
            by_path = {rel_path: file_id for file_id, rel_path, _ in rows}
            by_stem: dict[str, list[int]] = {}
            for file_id, rel_path, _ in rows:
                by_stem.setdefault(os.path.splitext(rel_path)[0], []).append(file_id)
            wanted: dict[int, list[str]] = {}
            for rel_path, signature in sorted(sidecars.items()):
                base = sidecar_base(rel_path)
                owners = [by_path[base]] if base in by_path else by_stem.get(base, [])
                for file_id in owners:
                    wanted.setdefault(file_id, []).append(signature)
            kept = tuple(self.unchanged_folders)
            for file_id, rel_path, stored in rows:
                if kept and rel_path.startswith(kept):
                    continue  # its folder was not listed again: its sidecars are as recorded
                current = "\n".join(wanted.get(file_id, [])) or None
                if current != stored:
                    session.get_one(MediaFile, file_id).sidecars = current
                    forget_analysis(session, file_id, XMP_ANALYSIS)

    def _delete_gone(self, ids: Iterable[int]) -> None:
        id_list = list(ids)
        for start in range(0, len(id_list), BATCH):
            with self.database.session() as session:
                session.execute(delete(MediaFile).where(MediaFile.id.in_(id_list[start : start + BATCH])))
        self.report.deleted += len(id_list)


SERVER = "(server)"


def record_unavailable(session: Session, library_id: int, reason: str) -> int:
    """Show why a WebDAV library could not be scanned now (the next scan that gets through clears it); returns
    how many attempts in a row failed (the back-off grows with it)."""
    session.execute(
        delete(FileError).where(
            FileError.library_id == library_id, FileError.file_id.is_(None), FileError.path == SERVER
        )
    )
    session.add(FileError(library_id=library_id, path=SERVER, stage="scan", reason=f"server unavailable: {reason}"))
    return count_remote_failure(session, library_id)


def forget_analysis(session: Session, file_id: int, name: str) -> None:
    """Make one analysis run again on a file (its results stay until the new ones replace them)."""
    session.execute(delete(AnalysisState).where(AnalysisState.file_id == file_id, AnalysisState.name == name))
    session.execute(delete(FileError).where(FileError.file_id == file_id, FileError.stage == name))


def scan_library(
    database: Database,
    library: Library,
    progress: Callable[[int], None] | None = None,
    excluded: Sequence[Path] = (),
    remote: WebDavFolder | None = None,
) -> ScanReport:
    """Scan one library (a folder, or through ``remote`` a WebDAV folder) and return what changed; never enters
    the ``excluded`` (resolved) paths. RemoteUnavailable, raised before anything is written, leaves it as it was."""
    return Scanner(database, library, progress, excluded, remote).run()

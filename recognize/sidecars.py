"""XMP sidecars of a user's files: named faces as MWG regions, tags and persons as keywords.

``recognize xmp export DEST`` writes a fresh sidecar per file under DEST, mirroring each library's
folders by their full path; libraries with ``xmp.sidecars=on`` get theirs next to the photos
(``photo.jpg.xmp``, or the ``photo.xmp`` that is already there), merged into what another tool wrote
there before: only regions of the same names, keywords and CreatorTool change. Photos are never written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import exiv2
from sqlalchemy import select
from sqlalchemy.orm import Session

from recognize.config import Settings
from recognize.library.confined import open_folder_beneath
from recognize.library.errors import LibraryError
from recognize.media.errors import MediaError
from recognize.media.sidecar_files import SIDECAR_SUFFIX, sidecar_names, signature
from recognize.media.xmp import Region, fill_sidecar, parse_xmp, read_xmp_data, sidecar_packet
from recognize.storage.models import Face, Library, MediaFile, Person, Tag

CATEGORIES = {
    "object": "Objects",
    "place": "Places",
    "genre": "Music|Genre",
    "mood": "Music|Mood",
    "instrument": "Music|Instrument",
    "voice": "Music|Voice",
    "era": "Music|Era",
}


@dataclass
class SidecarContent:
    """What one file's sidecar says."""

    size: tuple[int, int] | None
    regions: list[Region] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    hierarchy: list[str] = field(default_factory=list)


@dataclass
class SidecarReport:
    """Sidecars written, left as they were (already up to date), and files that failed, with reasons."""

    written: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)


def sidecars_enabled(library: Library, settings: Settings) -> bool:
    """Whether recognize writes sidecars next to this library's photos (never on a WebDAV server: recognize
    writes nothing there)."""
    if library.remote:
        return False
    switch = (library.settings or {}).get("xmp", {}).get("sidecars")
    return settings.xmp.sidecars if switch is None else bool(switch)


def sidecar_contents(session: Session, library: Library) -> Iterator[tuple[MediaFile, SidecarContent]]:
    """Every media file of a library that has named faces or tags, with its sidecar's content."""
    files = {
        media_file.id: media_file
        for media_file in session.scalars(
            select(MediaFile).where(MediaFile.library_id == library.id, MediaFile.media.is_not(None))
        )
    }
    contents: dict[int, SidecarContent] = {}

    def content(file_id: int) -> SidecarContent:
        media_file = files[file_id]
        size = (media_file.width, media_file.height) if media_file.width and media_file.height else None
        return contents.setdefault(file_id, SidecarContent(size))

    in_library = MediaFile.library_id == library.id
    named = session.execute(
        select(Face.file_id, Face.x, Face.y, Face.width, Face.height, Person.name)
        .join(Person, Person.id == Face.person_id)
        .join(MediaFile, MediaFile.id == Face.file_id)
        .where(in_library, Person.name.is_not(None), Face.frame_ms.is_(None), MediaFile.media == "image")
        .order_by(Face.file_id, Face.x)
    )
    for file_id, x, y, width, height, name in named:
        found = content(file_id)
        if found.size is not None:
            w, h = found.size
            found.regions.append(Region(name, (x / w, y / h, width / w, height / h)))
        found.keywords.append(name)
        found.hierarchy.append(f"People|{name}")
    tags = session.execute(
        select(Tag.file_id, Tag.kind, Tag.name).join(MediaFile, MediaFile.id == Tag.file_id).where(in_library)
    )
    for file_id, kind, name in tags:
        found = content(file_id)
        found.keywords.append(name)
        if kind in CATEGORIES:
            found.hierarchy.append(f"{CATEGORIES[kind]}|{name}")
    for file_id in sorted(contents):
        yield files[file_id], contents[file_id]


def _merged(path: Path, content: SidecarContent) -> exiv2.XmpData:
    """Another tool's sidecar with recognize's regions, keywords and paths put in (regions of other names stay)."""
    data = read_xmp_data(path)
    theirs = parse_xmp(data)
    ours = {region.name for region in content.regions}
    regions = [region for region in theirs.regions if region.name not in ours] + content.regions
    fill_sidecar(data, content.size, regions, [*theirs.keywords, *content.keywords], content.hierarchy)
    return data


def _fresh(content: SidecarContent) -> exiv2.XmpData:
    data = exiv2.XmpData()
    fill_sidecar(data, content.size, content.regions, content.keywords, content.hierarchy)
    return data


def _write(path: Path, packet: str, like: os.stat_result | None) -> bool:
    """Write a sidecar under an export folder atomically, readable like the photo; False when it already says
    exactly this."""
    if path.is_file() and path.read_text(encoding="utf-8", errors="replace") == packet:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".recognize-", suffix=SIDECAR_SUFFIX)
    _like_photo(descriptor, like)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(packet)
    os.replace(temporary, path)
    return True


def _like_photo(descriptor: int, photo: os.stat_result | None) -> None:
    """Give a new sidecar the photo's read and write permissions and group (other users' digiKam or Lightroom
    read the photo, so they can read its sidecar); a group this user is not in is left as it is."""
    if photo is None:
        return
    os.fchmod(descriptor, stat.S_IMODE(photo.st_mode) & 0o666)
    with contextlib.suppress(PermissionError):
        os.fchown(descriptor, -1, photo.st_gid)


def _sidecars_in(folder: int, photo: str) -> list[str]:
    """The sidecars of ``photo`` in an opened folder, weakest first; OSError when one is a symlink (a sidecar is
    never read or written through a link: it could lead out of the library)."""
    found: list[str] = []
    for name in sidecar_names(photo):
        try:
            mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            raise OSError(errno.ELOOP, "the sidecar is a symlink: not written", name)
        if stat.S_ISREG(mode):
            found.append(name)
    return found


def _write_beside(
    root: str, rel_path: str, content: SidecarContent, private_paths: Sequence[Path]
) -> tuple[bool, str | None]:
    """Write or merge the sidecar next to a photo, inside its library's folder opened beneath the root; returns
    whether it was written (False: it already said exactly this) and the photo's sidecar signatures."""
    folder_path, photo = os.path.split(rel_path)
    folder = open_folder_beneath(root, folder_path, private_paths)
    try:
        existing = _sidecars_in(folder, photo)
        target = existing[-1] if existing else photo + SIDECAR_SUFFIX
        before, data = None, _fresh(content)
        if existing:
            descriptor = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
            try:
                with open(f"/proc/self/fd/{descriptor}", "rb") as handle:
                    before = handle.read().decode("utf-8", "replace")
                data = _merged(Path(f"/proc/self/fd/{descriptor}"), content)
            finally:
                os.close(descriptor)
        packet = sidecar_packet(data)
        written = before != packet
        if written:
            _replace_at(folder, target, packet, photo)
        names = sorted(_sidecars_in(folder, photo))
        stats = [os.stat(name, dir_fd=folder, follow_symlinks=False) for name in names]
        signatures = [signature(name, info.st_size, info.st_mtime_ns) for name, info in zip(names, stats, strict=True)]
        return written, "\n".join(signatures) or None
    finally:
        os.close(folder)


def _replace_at(folder: int, target: str, packet: str, photo: str) -> None:
    """Replace ``target`` in an opened folder atomically (a symlink there is replaced, never followed), readable
    like ``photo``."""
    temporary = f".recognize-{secrets.token_hex(8)}{SIDECAR_SUFFIX}"
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(temporary, flags, 0o600, dir_fd=folder)
    _like_photo(descriptor, os.stat(photo, dir_fd=folder, follow_symlinks=False))
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(packet)
    os.replace(temporary, target, src_dir_fd=folder, dst_dir_fd=folder)


def write_sidecars(
    session: Session, library: Library, destination: Path | None, private_paths: Sequence[Path] = ()
) -> SidecarReport:
    """Write a library's sidecars under ``destination`` (mirroring the library's full path), or next to its
    photos when ``destination`` is None (recording them, so the scanner does not take them for new ones).

    Next to the photos, each folder is opened beneath the library's root (``library.confined``) and sidecars
    are written relative to it, never through a symlink: a folder or sidecar swapped for a link fails alone.
    Callers check the root itself first (``Workspace.library_root``)."""
    report = SidecarReport()
    root = Path(library.root)
    for media_file, content in sidecar_contents(session, library):
        photo = root / media_file.rel_path
        try:
            if destination is None:
                written, media_file.sidecars = _write_beside(library.root, media_file.rel_path, content, private_paths)
            else:
                path = destination / root.relative_to(root.anchor) / (media_file.rel_path + SIDECAR_SUFFIX)
                like = None if library.remote else photo.stat()
                written = _write(path, sidecar_packet(_fresh(content)), like)
        except (MediaError, OSError, LibraryError) as error:
            report.failed.append(f"{photo}: {getattr(error, 'strerror', None) or error}")
            continue
        report.written += written
        report.unchanged += not written
    return report

"""Walk a library folder: every regular file once, with its stat, and every problem met on the way."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from recognize.library.confined import OutsideLibrary, open_folder_beneath, opened_path


@dataclass(frozen=True)
class Found:
    """A regular file found in the library, with the stat taken while walking."""

    rel_path: str
    size: int
    mtime_ns: int
    device: int
    inode: int


@dataclass(frozen=True)
class Skipped:
    """A path the walk could not or would not enter, and why."""

    rel_path: str
    reason: str


INODE_MASK = 0x7FFF_FFFF_FFFF_FFFF


def display_path(rel_path: str) -> str:
    """A path safe to store and print, even when its bytes are not UTF-8."""
    return os.fsencode(rel_path).decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


PRIVATE_REASON = "recognize's own data (data folder, database): never scanned"


def walk(root: str, excluded: Sequence[str] = ()) -> Iterator[Found | Skipped]:
    """Yield files and skipped paths under ``root``; follows symlinks only inside the root, never in a loop.

    Each folder is opened beneath the root (``confined``): a folder swapped for a symlink out of the
    library while the walk runs is skipped, not listed. Paths whose real location is or lies inside one
    of ``excluded`` (resolved paths) are skipped.
    """
    real_root = os.path.realpath(root)
    if _inside_any(real_root, excluded):
        yield Skipped("", PRIVATE_REASON)
        return
    root_stat = os.stat(real_root)
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    pending = [""]
    while pending:
        rel_dir = pending.pop()
        try:
            folder = open_folder_beneath(real_root, rel_dir)
        except OutsideLibrary:
            yield Skipped(rel_dir, "folder leads out of the library: not followed")
            continue
        except PermissionError:
            yield Skipped(rel_dir, "folder unreadable: permission denied")
            continue
        except FileNotFoundError:
            yield Skipped(rel_dir, "folder vanished while scanning")
            continue
        except OSError as error:
            yield Skipped(rel_dir, f"folder unreadable: {error.strerror or error}")
            continue
        try:
            yield from _list(folder, rel_dir, real_root, visited, excluded, pending)
        finally:
            os.close(folder)


def _list(
    folder: int,
    rel_dir: str,
    real_root: str,
    visited: set[tuple[int, int]],
    excluded: Sequence[str],
    pending: list[str],
) -> Iterator[Found | Skipped]:
    """The entries of one opened folder; folders to enter are appended to ``pending``."""
    real_dir = opened_path(folder)
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as error:
        yield Skipped(rel_dir, f"folder unreadable: {error.strerror or error}")
        return
    for entry in listed:
        if entry.name.startswith("."):
            continue
        rel_path = os.path.join(rel_dir, entry.name) if rel_dir else entry.name
        outcome = _visit(entry, rel_path, (real_root, real_dir), visited, excluded)
        if isinstance(outcome, str):
            pending.append(outcome)
        else:
            yield outcome


def _inside_any(path: str, excluded: Sequence[str]) -> bool:
    return any(path == other or path.startswith(other.rstrip(os.sep) + os.sep) for other in excluded)


def _visit(
    entry: os.DirEntry[str],
    rel_path: str,
    real_folders: tuple[str, str],
    visited: set[tuple[int, int]],
    excluded: Sequence[str],
) -> Found | Skipped | str:
    """A Found file, a Skipped path (with the reason), or a folder to enter (its relative path).

    ``real_folders`` is the library root and the folder being listed, both resolved.
    """
    real_root, real_dir = real_folders
    if not _is_utf8(rel_path):
        return Skipped(rel_path, "file name is not valid UTF-8: rename it to have it analysed")
    try:
        info = entry.stat(follow_symlinks=True)
    except FileNotFoundError:
        reason = "broken symlink" if entry.is_symlink() else "vanished while scanning"
        return Skipped(rel_path, reason)
    except OSError as error:
        if error.errno == 40:
            return Skipped(rel_path, "symlink loop")
        return Skipped(rel_path, f"cannot stat: {error.strerror or error}")
    in_folder = os.path.join(real_dir, entry.name)
    real_path = os.path.realpath(in_folder) if entry.is_symlink() else in_folder
    if entry.is_symlink() and os.path.commonpath([real_path, real_root]) != real_root:
        return Skipped(rel_path, "symlink points outside the library: not followed")
    if _inside_any(real_path, excluded):
        return Skipped(rel_path, PRIVATE_REASON)
    if stat.S_ISDIR(info.st_mode):
        key = (info.st_dev, info.st_ino)
        if key in visited:
            return Skipped(rel_path, "symlink loop or second link to a folder already scanned: not followed")
        visited.add(key)
        return rel_path
    if not stat.S_ISREG(info.st_mode):
        return Skipped(rel_path, "not a regular file (a pipe, socket or device): not read")
    return Found(rel_path, info.st_size, info.st_mtime_ns, info.st_dev & INODE_MASK, info.st_ino & INODE_MASK)

"""Files of a library opened only inside it, checked when they are opened, not before.

A library's root is recorded resolved (no symlink in it). Every use checks it again: the folder
must still resolve to exactly the recorded path, so a root swapped for a symlink (to ``/etc``, to
another user's library) is refused. Inside the root, a file is opened relative to the root's
descriptor with Linux's ``openat2(RESOLVE_BENEATH)``: symlinks are followed only while they stay
inside the root, at the moment of the open. Where the kernel lacks ``openat2`` the file is opened
and the path the kernel reports for the opened descriptor is checked instead (the same guarantee:
it is the file actually opened). Readers that want a path get ``/proc/self/fd/N``, which reopens
exactly the checked file.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from recognize.library.errors import LibraryError

SYS_OPENAT2 = 437  # the same number on every architecture Linux added it to
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_BENEATH = 0x08
OPEN_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY


class OutsideLibrary(LibraryError):
    """A file or root that leads out of its library (or is not there); nothing was opened."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 404)


class RootChanged(OutsideLibrary):
    """The library's folder is not the recorded one any more (swapped, moved, removed): the library pauses."""


class _OpenHow(ctypes.Structure):
    _fields_ = (("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64))


_libc = ctypes.CDLL(None, use_errno=True)
_openat2_missing = False


def root_problem(root: str, private_paths: Sequence[Path] = ()) -> str | None:
    """Why a library's recorded root may not be used now, or None when it may."""
    try:
        real = os.path.realpath(root, strict=True)
    except OSError as error:
        return f"{root} cannot be reached: {error.strerror or error}"
    if real != root:
        return f"{root} now leads to {real} (the folder was replaced, e.g. by a symlink)"
    if not os.path.isdir(real):
        return f"{root} is not a folder any more"
    if any(Path(real) == private or Path(real).is_relative_to(private) for private in private_paths):
        return f"{root} lies inside recognize's own data"
    return None


def open_root(root: str) -> int:
    """A descriptor of the library's folder, checked to be the recorded root once opened."""
    try:
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise RootChanged(f"{root} cannot be opened: {error.strerror or error}") from None
    if opened_path(descriptor) != root:
        os.close(descriptor)
        raise RootChanged(f"{root} is not the library's folder any more (the folder was replaced)")
    return descriptor


def open_beneath(root: str, rel_path: str, private_paths: Sequence[Path] = ()) -> int:
    """A read-only descriptor of the regular file ``rel_path`` inside ``root``; OutsideLibrary when the path
    leads out of the root, into recognize's own data, or to something that is not a regular file."""
    return _open_checked(root, rel_path, private_paths, folder=False)


def open_folder_beneath(root: str, rel_path: str, private_paths: Sequence[Path] = ()) -> int:
    """A descriptor of the folder ``rel_path`` inside ``root`` (``""``: the root), checked like ``open_beneath``."""
    return _open_checked(root, rel_path or ".", private_paths, folder=True)


def opened_path(descriptor: int) -> str:
    """The path the kernel gives for an open descriptor (the file actually opened)."""
    return os.readlink(f"/proc/self/fd/{descriptor}")


def _open_checked(root: str, rel_path: str, private_paths: Sequence[Path], folder: bool) -> int:
    where = os.path.join(root, rel_path)
    if os.path.isabs(rel_path) or "\x00" in rel_path:
        raise OutsideLibrary(f"{rel_path!r} is not a path inside the library")
    root_descriptor = open_root(root)
    try:
        descriptor = _open_relative(root_descriptor, rel_path, OPEN_FLAGS | (os.O_DIRECTORY if folder else 0))
    except OSError as error:
        if error.errno == errno.EXDEV:
            raise OutsideLibrary(f"{where} leads out of its library") from None
        raise
    finally:
        os.close(root_descriptor)
    try:
        opened = opened_path(descriptor)
        inside = opened == root or opened.startswith(root.rstrip(os.sep) + os.sep)
        if not inside or any(Path(opened).is_relative_to(private) for private in private_paths):
            raise OutsideLibrary(f"{where} leads out of its library")
        if not folder and not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OutsideLibrary(f"{where} is not a regular file")
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


@contextmanager
def confined_file(root: str, rel_path: str, private_paths: Sequence[Path] = ()) -> Iterator[Path]:
    """A path (``/proc/self/fd/N``) that reopens exactly the checked file, while the block runs."""
    descriptor = open_beneath(root, rel_path, private_paths)
    try:
        yield Path(f"/proc/self/fd/{descriptor}")
    finally:
        os.close(descriptor)


def _open_relative(folder: int, rel_path: str, flags: int) -> int:
    global _openat2_missing
    if not _openat2_missing:
        how = _OpenHow(flags, 0, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
        descriptor = _libc.syscall(SYS_OPENAT2, folder, os.fsencode(rel_path), ctypes.byref(how), ctypes.sizeof(how))
        if descriptor >= 0:
            return descriptor
        number = ctypes.get_errno()
        if number not in (errno.ENOSYS, errno.EPERM):
            raise OSError(number, os.strerror(number), rel_path)
        _openat2_missing = True
    return os.open(rel_path, flags, dir_fd=folder)

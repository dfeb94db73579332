"""XMP sidecar files by name alone (no XMP parsing): which photo a sidecar belongs to, and how the scanner
remembers a photo's sidecars. ``photo.jpg.xmp`` (darktable, digiKam) belongs to ``photo.jpg``; ``photo.xmp``
(Lightroom) to any ``photo.*`` of its folder."""

from __future__ import annotations

from pathlib import Path, PurePath

SIDECAR_SUFFIX = ".xmp"
XMP_ANALYSIS = "xmp"


def is_sidecar(name: str) -> bool:
    """Whether a file name is an XMP sidecar (``.xmp`` in any case)."""
    return name.lower().endswith(SIDECAR_SUFFIX)


def sidecar_base(sidecar: str) -> str:
    """``a/photo.jpg.xmp`` -> ``a/photo.jpg`` (that photo); ``a/photo.xmp`` -> ``a/photo`` (any ``a/photo.*``)."""
    return sidecar[: -len(SIDECAR_SUFFIX)]


def signature(name: str, size: int, mtime_ns: int) -> str:
    """How the scanner remembers one sidecar: a changed signature means the photo's XMP is read again."""
    return f"{name}:{size}:{mtime_ns}"


def sidecar_signatures(photo: Path) -> str | None:
    """The signatures of a photo's sidecars as the scanner records them (None when it has none)."""
    found = sorted(sidecars_of(photo), key=lambda path: path.name)
    signatures = []
    for path in found:
        stat = path.stat()
        signatures.append(signature(path.name, stat.st_size, stat.st_mtime_ns))
    return "\n".join(signatures) or None


def sidecar_names(photo: str) -> list[str]:
    """The names a photo's sidecars may have, weakest first (``photo.xmp``, then ``photo.jpg.xmp``), each also in
    upper case (``.XMP``); a name that is both comes once."""
    names: list[str] = []
    for candidate in (str(PurePath(photo).with_suffix(SIDECAR_SUFFIX)), photo + SIDECAR_SUFFIX):
        for variant in (candidate, candidate[: -len(SIDECAR_SUFFIX)] + ".XMP"):
            if variant not in names:
                names.append(variant)
    return names


def sidecars_of(path: Path) -> list[Path]:
    """The sidecars next to a photo, weakest first (``photo.xmp``, then ``photo.jpg.xmp``)."""
    return [path.with_name(name) for name in sidecar_names(path.name) if path.with_name(name).is_file()]

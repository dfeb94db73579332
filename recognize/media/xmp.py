"""XMP metadata with exiv2: face regions with names and keywords, read from a photo and its sidecars, and
sidecars written for digiKam, darktable, Lightroom and the other tools that read them.

Regions are read from the Metadata Working Group schema (``mwg-rs:Regions``, centre-based areas) and
from Microsoft Photo's ``MP:RegionInfo`` (top-left rectangles, written by Windows Photo Gallery and
Picasa); both are normalised to the upright (EXIF-rotated) image, as digiKam and the MWG guidance do.
Keywords come from ``dc:subject``. A sidecar is ``photo.jpg.xmp`` (darktable, digiKam) or ``photo.xmp``
(Lightroom); what a sidecar says wins over the photo's embedded XMP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import exiv2

from recognize.media.errors import MediaError
from recognize.media.sidecar_files import sidecars_of

FACE = "Face"
MWG_LIST = "Xmp.mwg-rs.Regions/mwg-rs:RegionList"
MWG_ITEM = re.compile(
    r"^Xmp\.mwg-rs\.Regions/mwg-rs:RegionList\[(\d+)\]/mwg-rs:(Name|Type|Area/stArea:(?:x|y|w|h|unit))$"
)
MP_ITEM = re.compile(r"^Xmp\.MP\.RegionInfo/MPRI:Regions\[(\d+)\]/MPReg:(PersonDisplayName|Rectangle)$")
KEYWORDS = "Xmp.dc.subject"
HIERARCHY = "Xmp.lr.hierarchicalSubject"
PEOPLE = "People"
DERIVED = ("People", "Objects", "Places", "Music")

exiv2.XmpParser.initialize()
exiv2.LogMsg.setLevel(exiv2.LogMsg.Level.mute)


@dataclass(frozen=True)
class Region:
    """A named face region: left, top, width, height as fractions of the upright image."""

    name: str
    area: tuple[float, float, float, float]


@dataclass(frozen=True)
class XmpInfo:
    """What a photo's XMP says: named face regions and keywords."""

    regions: list[Region] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _items(datum: exiv2.Xmpdatum) -> list[str]:
    value = datum.value()
    if isinstance(value, exiv2.XmpArrayValue):
        return [value.toString(index) for index in range(value.count())]
    return [datum.toString()]


def _clean(name: str | None) -> str | None:
    text = " ".join((name or "").split())
    return text or None


def _mwg_regions(fields: dict[int, dict[str, str]]) -> list[Region]:
    regions = []
    for item in fields.values():
        name = _clean(item.get("Name"))
        x, y, w, h = (_float(item.get(f"Area/stArea:{key}")) for key in "xywh")
        if name is None or item.get("Type", FACE) != FACE or None in (x, y, w, h):
            continue
        if item.get("Area/stArea:unit", "normalized") != "normalized":
            continue
        assert x is not None and y is not None and w is not None and h is not None
        regions.append(Region(name, (x - w / 2, y - h / 2, w, h)))
    return regions


def _mp_regions(fields: dict[int, dict[str, str]]) -> list[Region]:
    regions = []
    for item in fields.values():
        name = _clean(item.get("PersonDisplayName"))
        numbers = [_float(part) for part in item.get("Rectangle", "").split(",")]
        if name is None or len(numbers) != 4 or None in numbers:
            continue
        left, top, width, height = (number for number in numbers if number is not None)
        regions.append(Region(name, (left, top, width, height)))
    return regions


def parse_xmp(data: exiv2.XmpData) -> XmpInfo:
    """The named face regions (MWG first, else Microsoft Photo) and keywords of parsed XMP.

    Keywords that name a region, or that ``lr:hierarchicalSubject`` files under People, Objects, Places
    or Music (persons and tags recognize itself writes), are not keywords."""
    mwg: dict[int, dict[str, str]] = {}
    mp: dict[int, dict[str, str]] = {}
    keywords: list[str] = []
    derived: set[str] = set()
    for datum in data:
        key = datum.key()
        if match := MWG_ITEM.match(key):
            mwg.setdefault(int(match[1]), {})[match[2]] = datum.toString()
        elif match := MP_ITEM.match(key):
            mp.setdefault(int(match[1]), {})[match[2]] = datum.toString()
        elif key == KEYWORDS:
            keywords.extend(text for item in _items(datum) if (text := _clean(item)))
        elif key == HIERARCHY:
            paths = [item.split("|") for item in _items(datum)]
            derived.update(_clean(path[-1]) or "" for path in paths if len(path) > 1 and path[0] in DERIVED)
    regions = _mwg_regions(mwg) or _mp_regions(mp)
    plausible = [region for region in regions if _plausible(region.area)]
    names = {region.name for region in plausible}
    kept = [keyword for keyword in keywords if keyword not in derived and keyword not in names]
    return XmpInfo(plausible, list(dict.fromkeys(kept)))


def _plausible(area: tuple[float, float, float, float]) -> bool:
    left, top, width, height = area
    return 0 < width <= 1 and 0 < height <= 1 and -0.5 <= left <= 1 and -0.5 <= top <= 1


def read_xmp_data(path: Path) -> exiv2.XmpData:
    """The parsed XMP of a photo or a sidecar file; MediaError naming the file when exiv2 cannot read it."""
    try:
        image = exiv2.ImageFactory.open(str(path))
        image.readMetadata()
    except exiv2.Exiv2Error as error:
        raise MediaError(f"{path}: unreadable XMP ({error})") from error
    return image.xmpData()


def read_xmp(path: Path, sidecars: Sequence[Path] | None = None) -> XmpInfo:
    """A photo's XMP: its embedded packet, overridden by its sidecars (regions) and joined with them (keywords);
    ``sidecars`` weakest first, found next to the photo when None."""
    sources = [path, *(sidecars_of(path) if sidecars is None else sidecars)]
    regions: list[Region] = []
    keywords: list[str] = []
    for source in sources:
        try:
            info = parse_xmp(read_xmp_data(source))
        except MediaError:
            if source == path:
                continue
            raise
        regions = info.regions or regions
        keywords.extend(info.keywords)
    return XmpInfo(regions, list(dict.fromkeys(keywords)))


def _struct(data: exiv2.XmpData, key: str) -> None:
    value = exiv2.XmpTextValue()
    value.setXmpStruct()
    data.add(exiv2.XmpKey(key), value)


def _bag(data: exiv2.XmpData, key: str, items: Iterable[str]) -> None:
    values = list(dict.fromkeys(items))
    if not values:
        return
    bag = exiv2.XmpArrayValue(exiv2.TypeId.xmpBag)
    for item in values:
        bag.read(item)
    data.add(exiv2.XmpKey(key), bag)


def _erase(data: exiv2.XmpData, prefixes: Sequence[str]) -> None:
    for key in [datum.key() for datum in data if datum.key().startswith(tuple(prefixes))]:
        data.erase(data.findKey(exiv2.XmpKey(key)))


def fill_sidecar(
    data: exiv2.XmpData,
    size: tuple[int, int] | None,
    regions: Sequence[Region],
    keywords: Sequence[str],
    hierarchy: Sequence[str],
) -> None:
    """Put MWG face regions (of an upright image of ``size`` pixels), ``dc:subject`` keywords and
    ``lr:hierarchicalSubject`` paths (``People|Name``) into ``data``, replacing what it had of them."""
    _erase(data, ("Xmp.mwg-rs.Regions", KEYWORDS, HIERARCHY))
    data["Xmp.xmp.CreatorTool"] = "recognize"
    if regions and size is not None:
        _struct(data, "Xmp.mwg-rs.Regions")
        _struct(data, "Xmp.mwg-rs.Regions/mwg-rs:AppliedToDimensions")
        for key, value in (("w", size[0]), ("h", size[1]), ("unit", "pixel")):
            data[f"Xmp.mwg-rs.Regions/mwg-rs:AppliedToDimensions/stDim:{key}"] = str(value)
        bag = exiv2.XmpTextValue()
        bag.setXmpArrayType(exiv2.XmpValue.XmpArrayType.xaBag)
        data.add(exiv2.XmpKey(MWG_LIST), bag)
        for number, region in enumerate(regions, start=1):
            item = f"{MWG_LIST}[{number}]"
            _struct(data, item)
            data[f"{item}/mwg-rs:Name"] = region.name
            data[f"{item}/mwg-rs:Type"] = FACE
            _struct(data, f"{item}/mwg-rs:Area")
            left, top, width, height = region.area
            centre = {"x": left + width / 2, "y": top + height / 2, "w": width, "h": height}
            for key, number_value in centre.items():
                data[f"{item}/mwg-rs:Area/stArea:{key}"] = f"{number_value:.6f}"
            data[f"{item}/mwg-rs:Area/stArea:unit"] = "normalized"
    _bag(data, KEYWORDS, keywords)
    _bag(data, HIERARCHY, hierarchy)


def sidecar_packet(data: exiv2.XmpData) -> str:
    """The XMP document of a sidecar file."""
    status, packet = exiv2.XmpParser.encode(data, exiv2.XmpParser.XmpFormatFlags.omitPacketWrapper)
    if status != 0:
        raise MediaError(f"exiv2 could not write an XMP packet (status {status})")
    return packet

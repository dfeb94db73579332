"""XMP read from files exiftool wrote (MWG and Microsoft Photo regions, keywords), and sidecars exiftool reads back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import exiv2
import pytest

from recognize.media.errors import MediaError
from recognize.media.sidecar_files import sidecar_signatures
from recognize.media.xmp import Region, fill_sidecar, read_xmp, sidecar_packet
from tests.tools import exiftool, exiftool_xmp

MWG_ALICE = (
    "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=100,H=100,Unit=pixel},RegionList=["
    "{Area={X=0.5,Y=0.4,W=0.2,H=0.3,Unit=normalized},Name=Alice Smith,Type=Face},"
    "{Area={X=0.1,Y=0.1,W=0.1,H=0.1,Unit=normalized},Name=Rex,Type=Pet}]}"
)


@pytest.fixture
def photo(tmp_path: Path, test_media: Path) -> Path:
    target = tmp_path / "photo.jpg"
    shutil.copy(test_media / "faces" / "face_recognition" / "examples" / "biden.jpg", target)
    return target


def test_embedded_mwg_regions_and_keywords(photo: Path) -> None:
    exiftool("-overwrite_original", MWG_ALICE, "-XMP-dc:Subject=holiday", "-XMP-dc:Subject=Alice Smith", str(photo))
    info = read_xmp(photo)
    assert [region.name for region in info.regions] == ["Alice Smith"]
    assert info.regions[0].area == pytest.approx((0.4, 0.25, 0.2, 0.3))
    assert info.keywords == ["holiday"]


def test_microsoft_photo_regions(photo: Path) -> None:
    exiftool(
        "-overwrite_original",
        "-XMP-MP:RegionInfoMP={Regions=[{PersonDisplayName=Bob Jones,Rectangle=0.1|, 0.2|, 0.3|, 0.4}]}",
        str(photo),
    )
    info = read_xmp(photo)
    assert [(region.name, region.area) for region in info.regions] == [
        ("Bob Jones", pytest.approx((0.1, 0.2, 0.3, 0.4)))
    ]


def test_a_sidecar_overrides_embedded_regions_and_adds_keywords(photo: Path) -> None:
    exiftool("-overwrite_original", MWG_ALICE, "-XMP-dc:Subject=holiday", str(photo))
    sidecar = photo.with_suffix(".xmp")
    exiftool(
        "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=1,H=1,Unit=pixel},RegionList=["
        "{Area={X=0.3,Y=0.3,W=0.2,H=0.2,Unit=normalized},Name=Carol,Type=Face}]}",
        "-XMP-dc:Subject=beach",
        "-XMP-dc:Subject=cat",
        "-XMP-lr:HierarchicalSubject=Objects|cat",
        str(sidecar),
    )
    info = read_xmp(photo)
    assert [region.name for region in info.regions] == ["Carol"]
    assert info.keywords == ["holiday", "beach"]
    assert sidecar_signatures(photo) is not None and sidecar_signatures(photo).startswith("photo.xmp:")


def test_a_damaged_sidecar_names_the_file(photo: Path) -> None:
    (photo.parent / "photo.jpg.xmp").write_text("<x:xmpmeta><broken")
    with pytest.raises(MediaError, match=re.escape("photo.jpg.xmp")):
        read_xmp(photo)


def test_exiftool_reads_our_sidecar(tmp_path: Path) -> None:
    data = exiv2.XmpData()
    fill_sidecar(
        data, (400, 300), [Region("Zoë Ärger", (0.25, 0.5, 0.1, 0.2))], ["beach", "Zoë Ärger"], ["People|Zoë Ärger"]
    )
    sidecar = tmp_path / "photo.jpg.xmp"
    sidecar.write_text(sidecar_packet(data), encoding="utf-8")
    read = exiftool_xmp(sidecar)
    region = read["RegionInfo"]["RegionList"][0]
    assert region["Name"] == "Zoë Ärger" and region["Type"] == "Face"
    assert region["Area"] == {"X": 0.3, "Y": 0.6, "W": 0.1, "H": 0.2, "Unit": "normalized"}
    assert read["RegionInfo"]["AppliedToDimensions"] == {"W": 400, "H": 300, "Unit": "pixel"}
    assert read["Subject"] == ["beach", "Zoë Ärger"] and read["HierarchicalSubject"] == ["People|Zoë Ärger"]

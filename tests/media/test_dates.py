"""Dates from file names and containers, as phones and apps write them; nonsense is not a date."""

from __future__ import annotations

from datetime import datetime

import pytest

from recognize.media.dates import best_date, date_from_container, date_from_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20190704_123000.jpg", datetime(2019, 7, 4, 12, 30)),
        ("PXL_20190704_123000123.jpg", datetime(2019, 7, 4, 12, 30)),
        ("VID-20190704-WA0001.mp4", datetime(2019, 7, 4)),
        ("WhatsApp Image 2019-07-04 at 12.30.00.jpeg", datetime(2019, 7, 4, 12, 30)),
        ("2019-07-04 12.30.00.jpg", datetime(2019, 7, 4, 12, 30)),
        ("Screenshot_2019-07-04-12-30-00.png", datetime(2019, 7, 4, 12, 30)),
        ("IMG_1234.JPG", None),
        ("20191340_1.jpg", None),
        ("2019070412.jpg", None),
        ("scan_28990101.jpg", None),
    ],
)
def test_dates_in_file_names(name: str, expected: datetime | None) -> None:
    assert date_from_name(name, now=datetime(2026, 12, 4)) == expected


def test_container_dates_and_the_fallback_order() -> None:
    assert date_from_container({"creation_time": "2021-05-06T07:08:09.000000Z"}) == datetime(2021, 5, 6, 7, 8, 9)
    assert date_from_container({"date": "1998"}) == datetime(1998, 1, 1)
    assert date_from_container({"creation_time": "1970-01-01T00:00:00Z"}) is None
    assert date_from_container({"title": "x"}) is None
    exif = datetime(2020, 1, 2)
    assert best_date(exif, "exif", "IMG_20190704_123000.jpg", 0) == (exif, "exif")
    assert best_date(None, "exif", "IMG_20190704_123000.jpg", 0) == (datetime(2019, 7, 4, 12, 30), "name")
    assert best_date(None, "exif", "holiday.jpg", 1_600_000_000 * 10**9) == (datetime(2020, 9, 13, 12, 26, 40), "mtime")

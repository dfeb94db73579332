"""When a photo, video or song was made, from what the file says, best source first.

EXIF ``DateTimeOriginal``, then ``DateTimeDigitized`` and ``DateTime``; a video's or song's container
``creation_time`` / ``date`` (QuickTime, ID3); then a date in the file name as phones and apps write
it (``IMG_20190704_123000.jpg``, ``PXL_20190704_123000123.jpg``, ``VID-20190704-WA0001.mp4``,
``WhatsApp Image 2019-07-04 at 12.30.00.jpeg``, ``2019-07-04 12.30.00.jpg``, ``Screenshot_2019-07-04-12-30-00.png``);
then the file's modification time. Dates from the name or the modification time are estimates.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

EARLIEST_YEAR = 1900
FROM_NAME = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})[-_.]?(?P<month>0[1-9]|1[0-2])[-_.]?(?P<day>0[1-9]|[12]\d|3[01])"
    r"(?:(?:[ _T-]|\s+at\s+)(?P<hour>[01]\d|2[0-3])[.:_-]?(?P<minute>[0-5]\d)[.:_-]?(?P<second>[0-5]\d)"
    r"(?:\d{3})?)?(?!\d)"
)
UNSET_CLOCK = datetime(1970, 1, 2)  # 1 January 1970 and earlier: a camera clock that was never set


def date_from_name(name: str, now: datetime | None = None) -> datetime | None:
    """A date a file name carries (no later than tomorrow, no earlier than 1900), or None."""
    latest = (now or datetime.now(UTC)).year + 1
    for found in FROM_NAME.finditer(name):
        parts = {key: int(value) for key, value in found.groupdict().items() if value is not None}
        if not EARLIEST_YEAR <= parts["year"] <= latest:
            continue
        try:
            return datetime(
                parts["year"],
                parts["month"],
                parts["day"],
                parts.get("hour", 0),
                parts.get("minute", 0),
                parts.get("second", 0),
            )
        except ValueError:
            continue
    return None


def date_from_container(tags: dict[str, str]) -> datetime | None:
    """The ``creation_time`` (QuickTime, MP4) or ``date`` (ID3, Vorbis) a video or song carries, or None."""
    for key in ("creation_time", "date", "DATE", "TDRC", "year"):
        value = (tags.get(key) or "").strip()
        if not value:
            continue
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            if re.fullmatch(r"(19|20)\d{2}", value):
                parsed = datetime(int(value), 1, 1)
            else:
                continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        if parsed >= UNSET_CLOCK:
            return parsed
    return None


def best_date(from_file: datetime | None, file_source: str, name: str, mtime_ns: int) -> tuple[datetime, str]:
    """The date to show and where it came from: the file's own, else the name's, else the modification time."""
    if from_file is not None:
        return from_file, file_source
    named = date_from_name(name)
    if named is not None:
        return named, "name"
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC).replace(tzinfo=None), "mtime"

"""Host limits: the active time window, pause and resume."""

from __future__ import annotations

from datetime import datetime

import pytest

from recognize.app import App
from recognize.jobs.host import in_window, parse_window
from recognize.storage.control import is_paused, set_paused


@pytest.mark.parametrize(
    ("window", "clock", "allowed"),
    [
        (None, "12:00", True),
        ("01:00-07:00", "03:30", True),
        ("01:00-07:00", "07:00", False),
        ("22:00-06:00", "23:15", True),
        ("22:00-06:00", "05:59", True),
        ("22:00-06:00", "12:00", False),
    ],
)
def test_active_hours(window: str | None, clock: str, allowed: bool) -> None:
    assert in_window(window, datetime.fromisoformat(f"2026-01-01T{clock}")) is allowed


def test_bad_window_is_refused() -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_window("at night")


def test_pause_is_shared_through_the_database(app: App) -> None:
    with app.database.session() as session:
        assert not is_paused(session)
        set_paused(session, True)
    with app.database.session() as session:
        assert is_paused(session)
        set_paused(session, False)
    with app.database.session() as session:
        assert not is_paused(session)

"""A dial batch's window: local wall-clock hours on ISO weekdays in the tenant's zone, never at
night, the same local hour across a DST change."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from hub.models.campaign import DialWindow

KYIV = "Europe/Kyiv"


def ms(year: int, month: int, day: int, hour: int, minute: int = 0, zone: str = KYIV) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def utc(at_ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC)


def test_dial_window_default_is_business_hours_on_weekdays() -> None:
    window = DialWindow()
    assert (window.start, window.end, window.days) == (dt.time(9), dt.time(20), (1, 2, 3, 4, 5))
    assert window.is_open(ms(2026, 12, 1, 9), KYIV)  # Tuesday 09:00: opens
    assert not window.is_open(ms(2026, 12, 1, 20), KYIV)  # 20:00: closed (`to` is exclusive)
    assert not window.is_open(ms(2026, 12, 5, 12), KYIV)  # Saturday


@pytest.mark.parametrize(
    "fields",
    [
        {"from": "07:59", "to": "12:00"},
        {"from": "10:00", "to": "22:01"},
        {"from": "21:00", "to": "02:00"},
        {"from": "12:00", "to": "12:00"},
        {"days": []},
        {"days": [8]},
        {"from": "10:00:30"},
        {"unknown": 1},
    ],
)
def test_dial_window_at_night_or_malformed_is_refused(fields: dict) -> None:
    with pytest.raises(ValidationError):
        DialWindow.model_validate(fields)


def test_dial_window_next_open_skips_to_the_next_allowed_day() -> None:
    window = DialWindow.model_validate({"from": "10:00", "to": "18:00", "days": [1, 3]})
    friday_night = ms(2026, 12, 4, 23, 30)
    assert window.next_open(friday_night, KYIV) == ms(2026, 12, 7, 10)  # Monday 10:00
    assert window.next_open(ms(2026, 12, 7, 18), KYIV) == ms(2026, 12, 9, 10)  # Monday closed: Wednesday
    inside = ms(2026, 12, 7, 12)
    assert window.next_open(inside, KYIV) == inside
    assert window.closes_at(inside, KYIV) == ms(2026, 12, 7, 18)


def test_dial_window_keeps_its_local_hour_across_dst_changes() -> None:
    window = DialWindow.model_validate({"from": "09:00", "to": "20:00", "days": [1, 2, 3, 4, 5, 6, 7]})
    # Kyiv moves its clocks forward on Sunday 28 March 2027 at 03:00: 09:00 is then 06:00 UTC, not 07:00.
    saturday_night = ms(2027, 3, 27, 23)
    opens = window.next_open(saturday_night, KYIV)
    assert utc(opens) == dt.datetime(2027, 3, 28, 6, 0, tzinfo=dt.UTC)
    assert utc(window.next_open(ms(2027, 3, 26, 23), KYIV)) == dt.datetime(2027, 3, 27, 7, 0, tzinfo=dt.UTC)
    # ...and back on Sunday 31 October 2027: 09:00 is 07:00 UTC again; 20:00 closes at 18:00 UTC.
    autumn = window.next_open(ms(2027, 10, 30, 23), KYIV)
    assert utc(autumn) == dt.datetime(2027, 10, 31, 7, 0, tzinfo=dt.UTC)
    assert utc(window.closes_at(autumn, KYIV)) == dt.datetime(2027, 10, 31, 18, 0, tzinfo=dt.UTC)
    assert not window.is_open(ms(2027, 10, 31, 8, 59), KYIV) and window.is_open(ms(2027, 10, 31, 9), KYIV)

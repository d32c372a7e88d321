"""The send window is Oslo's days and hours, whatever the machine's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from proaktive.delivery.window import outside_window
from proaktive.settings import SendWindow

WEEKDAYS = SendWindow()  # mon-fri, 08:00-20:00
UTC = dt.UTC


@pytest.mark.parametrize(
    ("now", "inside"),
    [
        (dt.datetime(2026, 12, 2, 7, 0, tzinfo=UTC), True),  # Wednesday 08:00 in Oslo (UTC+1)
        (dt.datetime(2026, 12, 2, 6, 59, tzinfo=UTC), False),  # 07:59
        (dt.datetime(2026, 12, 2, 18, 59, tzinfo=UTC), True),  # 19:59
        (dt.datetime(2026, 12, 2, 19, 0, tzinfo=UTC), False),  # 20:00: the end is not in it
        (dt.datetime(2026, 6, 3, 6, 0, tzinfo=UTC), True),  # summer: 08:00 is 06:00 UTC
        (dt.datetime(2026, 12, 5, 12, 0, tzinfo=UTC), False),  # a Saturday
        (dt.datetime(2026, 12, 4, 23, 30, tzinfo=UTC), False),  # Friday in UTC, Saturday in Oslo
    ],
)
def test_the_window_is_oslo_time(now: dt.datetime, inside: bool) -> None:
    assert (outside_window(WEEKDAYS, now) is None) is inside


def test_the_refusal_says_when_it_is_and_what_the_window_is() -> None:
    saturday = dt.datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert outside_window(WEEKDAYS, saturday) == (
        "it is Saturday 13:00 in Oslo, and the send window is mon, tue, wed, thu, fri, 08:00-20:00"
    )
    evening = dt.datetime(2026, 12, 2, 21, 0, tzinfo=UTC)
    assert outside_window(WEEKDAYS, evening) == (
        "it is Wednesday 22:00 in Oslo, outside the send window 08:00-20:00 "
        "(mon, tue, wed, thu, fri)"
    )


def test_an_hour_written_with_one_digit_is_that_hour() -> None:
    window = SendWindow(start="8:00", end="9:30")
    assert outside_window(window, dt.datetime(2026, 12, 2, 7, 45, tzinfo=UTC)) is None
    assert outside_window(window, dt.datetime(2026, 12, 2, 8, 45, tzinfo=UTC)) is not None

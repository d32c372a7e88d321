"""The send window: the days and hours of Oslo when citizens may get a proactive e-mail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from proaktive.settings import SendWindow

OSLO = ZoneInfo("Europe/Oslo")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def outside_window(window: SendWindow, now: dt.datetime) -> str | None:
    """Why `now` is outside the window (in words), or None when it is inside.

    The window holds from `start` up to, not including, `end`, on each of `days`, in
    Oslo's time whatever the machine's time zone (a server often runs in UTC).
    """
    local = now.astimezone(OSLO)
    day = _DAYS[local.weekday()]
    shown = f"{local:%A %H:%M} in Oslo"
    days = ", ".join(window.days) or "no day"
    if day not in window.days:
        return f"it is {shown}, and the send window is {days}, {window.start}-{window.end}"
    if not _clock(window.start) <= local.time().replace(tzinfo=None) < _clock(window.end):
        return f"it is {shown}, outside the send window {window.start}-{window.end} ({days})"
    return None


def _clock(text: str) -> dt.time:
    hours, _, minutes = text.partition(":")  # checked by the settings: "8:00" or "08:00"
    return dt.time(int(hours), int(minutes))

"""Rounds: a campaign with `repeat_after_days` may reach a person again, a round at a time.

Round n+1 may begin `repeat_after_days` days after the day round n began (Oslo
days): a round begun on 1 January with 300 days may be followed on 28 October.
The frequency cap counts its `per_days` the same way. Without `repeat_after_days`
there is only round 1.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from proaktive.ledger.model import LedgerEntry

OSLO = ZoneInfo("Europe/Oslo")
# The first day whose start in Oslo is still a day of the calendar in UTC: a window
# reaching further back (`per_days: 1000000`) begins there, before any message.
_FIRST_DAY = dt.date(1, 1, 2)


def window_start(as_of: dt.date, days: int) -> dt.datetime:
    """The first instant of the last `days` days up to and including `as_of` (Oslo):
    a message at or after it happened within them."""
    try:
        first_day = max(as_of - dt.timedelta(days=days - 1), _FIRST_DAY)
    except OverflowError:
        first_day = _FIRST_DAY
    return dt.datetime.combine(first_day, dt.time(0), tzinfo=OSLO)


def next_round(
    latest: LedgerEntry | None,
    *,
    as_of: dt.date,
    repeat_after_days: int | None,
    resend_unknown: bool = False,
) -> int | None:
    """The round to send a person now, given their latest round of the campaign; None
    when they are not to get it now (they got it, or may have, and no new round is due)."""
    if latest is None:
        return 1
    if latest.state == "deferred" or (resend_unknown and latest.state == "unknown"):
        return latest.round
    if repeat_after_days is None:
        return None
    if latest.first_attempt_at >= window_start(as_of, repeat_after_days):
        return None
    return latest.round + 1

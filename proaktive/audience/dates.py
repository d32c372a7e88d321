"""Ages as `dateutil.relativedelta` counts them, turned into birth-date bounds.

"At least N years (or months) old on as_of" is true exactly for the birth dates
up to some last date, because adding N years to a later birth date never gives
an earlier day. Finding that date once in Python lets DuckDB compare every
row with a constant, and keeps relativedelta's reading of 29 February and of
month ends (someone born on 29 February turns a year older on 28 February).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

ONE_DAY = dt.timedelta(days=1)

# The birth-date range that holds nobody: for an age older than the calendar goes.
NOBODY = (dt.date.max, dt.date.min)


def last_birth_date_for_age(
    as_of: dt.date, *, years: int = 0, months: int = 0, days: int = 0
) -> dt.date | None:
    """The latest birth date that is at least this old on `as_of`.

    None when no day of the calendar (from year 1) is: `age: {min: 150}` on 0100-01-01.
    """
    if days:
        try:
            return as_of - dt.timedelta(days=days)
        except OverflowError:
            return None
    age = relativedelta(years=years, months=months)

    def old_enough(born: dt.date) -> bool:
        try:
            return born + age <= as_of
        except (ValueError, OverflowError):  # that birthday lies past year 9999: after as_of
            return False

    try:
        candidate = as_of - age
    except (ValueError, OverflowError):  # before year 1: everyone born since is younger
        return None
    while not old_enough(candidate):
        if candidate == dt.date.min:
            return None
        candidate -= ONE_DAY
    while candidate < dt.date.max and old_enough(candidate + ONE_DAY):
        candidate += ONE_DAY
    return candidate


def birth_date_range(
    as_of: dt.date, unit: str, minimum: int | None, maximum: int | None
) -> tuple[dt.date | None, dt.date | None]:
    """Born within [first, last] ⇔ age in `unit` ('years', 'months', 'days') within bounds.

    None is an open end; `NOBODY` (first after last) when no birth date in the calendar
    is old enough.
    """
    last = None
    if minimum is not None:
        last = _last_birth_date(as_of, unit, minimum)
        if last is None:
            return NOBODY
    first = None
    if maximum is not None:
        # At most `maximum` old ⇔ not yet `maximum + 1` old; nobody is, before the calendar.
        oldest_excluded = _last_birth_date(as_of, unit, maximum + 1)
        first = oldest_excluded + ONE_DAY if oldest_excluded is not None else None
    return first, last


def _last_birth_date(as_of: dt.date, unit: str, amount: int) -> dt.date | None:
    if unit == "years":
        return last_birth_date_for_age(as_of, years=amount)
    if unit == "months":
        return last_birth_date_for_age(as_of, months=amount)
    return last_birth_date_for_age(as_of, days=amount)


def days_before(day: dt.date, days: int) -> dt.date:
    """`day - days`, or the first day of the calendar when that is further back."""
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def eighteen_months_before(as_of: dt.date) -> dt.date:
    """The first day on which contact information is still fresh (eForvaltningsforskriften § 32).

    The first day of the calendar when that is further back: then nothing is stale.
    """
    try:
        return as_of - relativedelta(months=18)
    except ValueError:
        return dt.date.min


OSLO = ZoneInfo("Europe/Oslo")


def start_of_day_in_oslo(day: dt.date) -> dt.datetime:
    """The instant a day begins in Oslo: a timestamp's Oslo date is on or after `day`
    exactly when the timestamp is at or after this instant."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=OSLO)

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


def last_birth_date_for_age(
    as_of: dt.date, *, years: int = 0, months: int = 0, days: int = 0
) -> dt.date:
    """The latest birth date that is at least this old on `as_of`."""
    if days:
        return as_of - dt.timedelta(days=days)
    age = relativedelta(years=years, months=months)

    def old_enough(born: dt.date) -> bool:
        return born + age <= as_of

    candidate = as_of - age
    while not old_enough(candidate):
        candidate -= ONE_DAY
    while old_enough(candidate + ONE_DAY):
        candidate += ONE_DAY
    return candidate


def birth_date_range(
    as_of: dt.date, unit: str, minimum: int | None, maximum: int | None
) -> tuple[dt.date | None, dt.date | None]:
    """Born within [first, last] ⇔ age in `unit` ('years', 'months', 'days') within bounds."""
    last = _bound(as_of, unit, minimum) if minimum is not None else None
    first = None
    if maximum is not None:
        # At most `maximum` old ⇔ not yet `maximum + 1` old.
        oldest_excluded = _bound(as_of, unit, maximum + 1)
        first = oldest_excluded + ONE_DAY if oldest_excluded > dt.date.min else dt.date.min
    return first, last


def _bound(as_of: dt.date, unit: str, amount: int) -> dt.date:
    try:
        if unit == "years":
            return last_birth_date_for_age(as_of, years=amount)
        if unit == "months":
            return last_birth_date_for_age(as_of, months=amount)
        return last_birth_date_for_age(as_of, days=amount)
    except (OverflowError, ValueError):
        # Older than the calendar goes (`age: {max: 100000}`): nobody is born that early.
        return dt.date.min


def days_before(day: dt.date, days: int) -> dt.date:
    """`day - days`, or the first day of the calendar when that is further back."""
    try:
        return day - dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min


def eighteen_months_before(as_of: dt.date) -> dt.date:
    """The first day on which contact information is still fresh (eForvaltningsforskriften § 32)."""
    return as_of - relativedelta(months=18)


OSLO = ZoneInfo("Europe/Oslo")


def start_of_day_in_oslo(day: dt.date) -> dt.datetime:
    """The instant a day begins in Oslo: a timestamp's Oslo date is on or after `day`
    exactly when the timestamp is at or after this instant."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=OSLO)

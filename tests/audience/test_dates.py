"""Dates: ages exactly as `dateutil.relativedelta` counts them, and the date windows.

First the helpers of `proaktive.audience.dates` against relativedelta itself, then
the boundaries end to end: a registry on disk, resolved for the day before, the day
of and the day after each boundary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from builders import krr, make_campaign, open_small, person, write_registry
from dateutil.relativedelta import relativedelta

from proaktive.audience.dates import (
    NOBODY,
    birth_date_range,
    eighteen_months_before,
    last_birth_date_for_age,
)
from proaktive.audience.model import Audience
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import (
    Age,
    Child,
    Criterion,
    MovedIn,
)
from proaktive.registry.snapshot import Registry

D = dt.date.fromisoformat


def age_in(unit: str, born: dt.date, as_of: dt.date) -> int:
    """The spec's definition of an age."""
    if unit == "days":
        return (as_of - born).days
    delta = relativedelta(as_of, born)
    return delta.years if unit == "years" else delta.years * 12 + delta.months


def within(born: dt.date, bounds: tuple[dt.date | None, dt.date | None]) -> bool:
    first, last = bounds
    return (first is None or born >= first) and (last is None or born <= last)


# --- the helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "age", "expected"),
    [
        ("2026-11-30", {"years": 18}, "2008-11-30"),
        ("2026-02-28", {"years": 18}, "2008-02-29"),  # born 29 February: 18 on 28 February
        ("2026-02-27", {"years": 18}, "2008-02-27"),
        ("2028-02-29", {"years": 20}, "2008-02-29"),
        ("2028-02-28", {"years": 20}, "2008-02-28"),
        ("2026-11-30", {"months": 4}, "2026-07-31"),  # 31 July + 4 months = 30 November
        ("2026-12-29", {"months": 4}, "2026-08-29"),
        ("2026-12-30", {"months": 4}, "2026-08-30"),
        ("2027-02-28", {"months": 6}, "2026-08-31"),
        ("2026-11-30", {"months": 0}, "2026-11-30"),
        ("2026-11-30", {"days": 30}, "2026-10-31"),
        ("2026-03-01", {"days": 1}, "2026-02-28"),
    ],
)
def test_last_birth_date_for_an_age(as_of: str, age: dict[str, int], expected: str) -> None:
    assert last_birth_date_for_age(D(as_of), **age) == D(expected)


@pytest.mark.parametrize(
    ("as_of", "unit", "minimum", "maximum", "expected"),
    [
        ("2026-11-30", "years", 18, None, (None, "2008-11-30")),
        ("2026-11-30", "years", None, 66, ("1959-12-01", None)),
        ("2026-11-30", "years", 18, 66, ("1959-12-01", "2008-11-30")),
        ("2026-11-30", "years", 0, 0, ("2025-12-01", "2026-11-30")),
        ("2026-11-30", "months", 4, 4, ("2026-07-01", "2026-07-31")),
        ("2026-12-29", "months", 4, 4, ("2026-07-30", "2026-08-29")),
        ("2026-12-30", "months", 4, 4, ("2026-07-31", "2026-08-30")),
        ("2026-11-30", "days", 0, 30, ("2026-10-31", "2026-11-30")),
        ("2026-11-30", "days", 30, 30, ("2026-10-31", "2026-10-31")),
        ("2026-11-30", "years", None, None, (None, None)),
    ],
)
def test_birth_date_range(
    as_of: str,
    unit: str,
    minimum: int | None,
    maximum: int | None,
    expected: tuple[str | None, str | None],
) -> None:
    first, last = expected
    assert birth_date_range(D(as_of), unit, minimum, maximum) == (
        None if first is None else D(first),
        None if last is None else D(last),
    )


# Every day of a leap-year winter and of the following year's, and every month end.
AS_OF_DAYS = sorted(
    {D("2027-12-20") + dt.timedelta(days=n) for n in range(80)}
    | {D("2026-12-20") + dt.timedelta(days=n) for n in range(80)}
    | {D(f"2027-{month:02d}-01") - dt.timedelta(days=1) for month in range(2, 13)}
)


def births_around(day: dt.date) -> list[dt.date]:
    return [day + dt.timedelta(days=offset) for offset in range(-6, 7)]


@pytest.mark.parametrize(
    ("unit", "amount"),
    [("years", 1), ("years", 18), ("months", 1), ("months", 4), ("months", 11), ("days", 30)],
)
def test_birth_date_range_agrees_with_relativedelta_every_day(unit: str, amount: int) -> None:
    mismatches = []
    for as_of in AS_OF_DAYS:
        bounds = birth_date_range(as_of, unit, amount, amount)
        lowest, highest = bounds
        assert lowest is not None and highest is not None
        # the birth dates around both ends of the range (ages only grow with earlier births)
        for born in births_around(lowest) + births_around(highest):
            if within(born, bounds) != (age_in(unit, born, as_of) == amount):
                mismatches.append((as_of, born))
    assert mismatches == []


@pytest.mark.parametrize(
    ("as_of", "age", "expected"),
    [
        ("0100-01-01", {"years": 150}, None),
        ("0001-01-01", {"years": 1}, None),
        ("0001-01-01", {"months": 1}, None),
        ("0001-01-01", {"days": 1}, None),
        ("0001-01-01", {"years": 0}, "0001-01-01"),
        ("0002-01-01", {"years": 1}, "0001-01-01"),
        ("9999-12-31", {"years": 0}, "9999-12-31"),
        ("9999-12-31", {"years": 18}, "9981-12-31"),
        ("9999-12-31", {"months": 4}, "9999-08-31"),
        ("9999-12-30", {"years": 1}, "9998-12-30"),
    ],
)
def test_last_birth_date_at_the_calendars_edges(
    as_of: str, age: dict[str, int], expected: str | None
) -> None:
    """None: no day from year 1 on is that old (a birthday past year 9999 is never reached)."""
    assert last_birth_date_for_age(D(as_of), **age) == (None if expected is None else D(expected))


@pytest.mark.parametrize(
    ("as_of", "unit", "minimum", "maximum", "expected"),
    [
        ("0100-01-01", "years", 150, None, NOBODY),
        ("0100-01-01", "years", 150, 200, NOBODY),
        ("0100-01-01", "years", 18, 150, (None, D("0082-01-01"))),
        ("0001-01-01", "days", None, 0, (None, None)),
        ("9999-12-31", "years", 18, 66, (D("9933-01-01"), D("9981-12-31"))),
        ("9999-12-31", "days", 0, 0, (D("9999-12-31"), D("9999-12-31"))),
    ],
)
def test_birth_date_range_at_the_calendars_edges(
    as_of: str,
    unit: str,
    minimum: int | None,
    maximum: int | None,
    expected: tuple[dt.date | None, dt.date | None],
) -> None:
    assert birth_date_range(D(as_of), unit, minimum, maximum) == expected


@pytest.mark.parametrize(
    ("as_of", "cutoff"),
    [
        ("0001-01-01", "0001-01-01"),  # before the calendar: nothing is stale
        ("0002-06-30", "0001-01-01"),
        ("0002-07-01", "0001-01-01"),
        ("0002-07-02", "0001-01-02"),
        ("9999-12-31", "9998-06-30"),
        ("2026-11-30", "2025-05-30"),
        ("2026-08-31", "2025-02-28"),  # calendar months, clipped to the month's end
        ("2028-08-31", "2027-02-28"),
        ("2029-08-31", "2028-02-29"),
        ("2027-06-30", "2025-12-30"),
        ("2026-01-01", "2024-07-01"),
    ],
)
def test_eighteen_months_before(as_of: str, cutoff: str) -> None:
    assert eighteen_months_before(D(as_of)) == D(cutoff)


# --- end to end ----------------------------------------------------------------------


def recipients(registry: Registry, criterion: Criterion, as_of: str) -> set[str]:
    """First names of the recipients; everyone in these registries is reachable."""
    audience: Audience = resolve(
        make_campaign(criterion),
        registry,
        as_of=D(as_of),
        policy=ContactPolicy(opt_outs=None),
        fetch=None,
    )
    funnel = audience.funnel
    assert funnel.matched == funnel.recipients
    assert funnel.matched - sum(funnel.excluded.values()) == funnel.recipients
    return {r.fornavn for r in audience.recipients}


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """People with telling birth dates, parents of telling children, and people who moved."""
    adults = [
        person("2008-11-30", fornavn="Nov30"),
        person("2008-02-29", fornavn="Leapling"),
        person("2008-03-01", fornavn="March1"),
        person("2008-02-28", fornavn="Feb28"),
    ]
    parents = {
        "Jul30Parent": person("2026-07-30", fornavn="Jul30"),
        "Jul31Parent": person("2026-07-31", fornavn="Jul31"),
        "Aug31Parent": person("2026-08-31", fornavn="Aug31"),
        "Oct31Parent": person("2026-10-31", fornavn="Oct31"),
        "LeapParent": person("2024-02-29", fornavn="LeapKid"),
    }
    movers = [
        person("1970-01-01", fornavn=f"Moved{day}", flyttedato=day)
        for day in ("2026-10-30", "2026-10-31", "2026-11-15", "2026-11-30", "2026-12-01")
    ]
    personer = [*adults, *movers]
    relasjoner = []
    for number, (name, child) in enumerate(parents.items()):
        parent = person(f"1990-01-{number + 1:02d}", fornavn=name)
        personer += [parent, child]
        relasjoner.append(
            {
                "personidentifikator": parent["personidentifikator"],
                "relatert_personidentifikator": child["personidentifikator"],
                "relatert_persons_rolle": "barn",
            }
        )
    folder = tmp_path_factory.mktemp("calendar")
    # no timestamps and KAN_VARSLES: fresh on every as_of
    krr_rows = [krr(row, epostadresse_oppdatert="") for row in personer]
    write_registry(folder, personer, krr_rows, relasjoner=relasjoner)
    registry = open_small(folder)
    yield registry
    registry.connection.close()


@pytest.mark.parametrize(
    ("as_of", "eighteen"),
    [
        ("2026-11-29", {"Leapling", "March1", "Feb28"}),  # the day before Nov30's birthday
        ("2026-11-30", {"Nov30", "Leapling", "March1", "Feb28"}),  # the birthday
        ("2026-02-27", set()),
        ("2026-02-28", {"Leapling", "Feb28"}),  # 29 February turns a year older on 28 February
        ("2026-03-01", {"Leapling", "Feb28", "March1"}),
    ],
)
def test_age_in_whole_years_on_the_birthday_and_the_day_before(
    calendar: Registry, as_of: str, eighteen: set[str]
) -> None:
    assert recipients(calendar, Age(18, 18), as_of) == eighteen


@pytest.mark.parametrize(
    ("as_of", "twenty"),
    [
        ("2028-02-28", {"Feb28"}),  # a leap year: the leapling is 20 on 29 February
        ("2028-02-29", {"Feb28", "Leapling"}),
        ("2028-03-01", {"Feb28", "Leapling", "March1"}),
    ],
)
def test_a_leapling_in_a_leap_year(calendar: Registry, as_of: str, twenty: set[str]) -> None:
    assert recipients(calendar, Age(20, 20), as_of) == twenty


@pytest.mark.parametrize(
    ("as_of", "parents"),
    [
        ("2026-11-29", set()),  # Jul30 is 3 months and 30 days
        ("2026-11-30", {"Jul30Parent", "Jul31Parent"}),  # 31 July + 4 months = 30 November
        ("2026-12-29", {"Jul30Parent", "Jul31Parent"}),  # Jul30 is 4 months and 29 days
        ("2026-12-30", {"Jul31Parent"}),  # Jul30 is 5 months
        ("2026-12-31", {"Aug31Parent"}),  # Jul31 is 5 months; 31 August + 4 months
        ("2027-02-27", set()),  # Oct31 is 3 months and 27 days
        ("2027-02-28", {"Oct31Parent"}),  # 31 October + 4 months = 28 February
    ],
)
def test_children_of_exactly_four_months(calendar: Registry, as_of: str, parents: set[str]) -> None:
    assert recipients(calendar, Child("months", 4, 4), as_of) == parents


@pytest.mark.parametrize(
    ("criterion", "as_of", "parents"),
    [
        (Child("days", 30, 30), "2026-11-30", {"Oct31Parent"}),
        (Child("days", 31, 31), "2026-11-30", set()),
        (Child("days", 31, 31), "2026-12-01", {"Oct31Parent"}),
        (Child("days", 0, 30), "2026-11-30", {"Oct31Parent"}),
        (Child("days", 123, None), "2026-11-30", {"Jul30Parent", "LeapParent"}),
        # month ends: 31 August + 5 months = 31 January, + 6 months = 28 February
        (Child("months", 5, 5), "2027-01-30", {"Jul31Parent"}),  # Aug31: 4 months 30 days
        (Child("months", 5, 5), "2027-01-31", {"Aug31Parent"}),
        (Child("months", 6, 6), "2027-02-28", {"Aug31Parent"}),
        # born 29 February 2024: 2 on 28 February 2026, 3 on 28 February 2027
        (Child("years", 2, 2), "2026-02-27", set()),
        (Child("years", 2, 2), "2026-02-28", {"LeapParent"}),
        (Child("years", 3, 3), "2027-02-28", {"LeapParent"}),
    ],
)
def test_ages_of_children_in_days_months_and_years(
    calendar: Registry, criterion: Criterion, as_of: str, parents: set[str]
) -> None:
    assert recipients(calendar, criterion, as_of) == parents


@pytest.mark.parametrize(
    ("within_days", "as_of", "movers"),
    [
        # the window is as_of - within_days up to as_of, both inclusive
        (30, "2026-11-30", {"Moved2026-10-31", "Moved2026-11-15", "Moved2026-11-30"}),
        (29, "2026-11-30", {"Moved2026-11-15", "Moved2026-11-30"}),
        (
            31,
            "2026-11-30",
            {"Moved2026-10-30", "Moved2026-10-31", "Moved2026-11-15", "Moved2026-11-30"},
        ),
        (0, "2026-11-30", {"Moved2026-11-30"}),
        (0, "2026-11-29", set()),
        (1, "2026-12-01", {"Moved2026-11-30", "Moved2026-12-01"}),
        (15, "2026-11-14", {"Moved2026-10-30", "Moved2026-10-31"}),  # not those who move later
    ],
)
def test_moved_in_on_the_first_and_last_day_of_the_window(
    calendar: Registry, within_days: int, as_of: str, movers: set[str]
) -> None:
    assert recipients(calendar, MovedIn(within_days, "anywhere"), as_of) == movers

"""Bounds beyond the calendar mean "nobody" or "everybody", never a crash."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import krr, make_campaign, open_small, person, write_registry

from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age, Child, Criterion, MovedIn


@pytest.mark.parametrize(
    ("criterion", "matched"),
    [
        (Age(None, 100_000), 2),
        (Age(3000, None), 0),
        (MovedIn(100_000_000, "anywhere"), 1),
        (Child("days", None, 100_000_000), 0),
        (Child("months", 0, 10**9), 0),
    ],
)
def test_extreme_bounds(tmp_path: Path, criterion: Criterion, matched: int) -> None:
    mover, stayer = person("1980-01-01", flyttedato="1990-01-01"), person("1981-01-01")
    relations = [
        {
            "personidentifikator": mover["personidentifikator"],
            "relatert_personidentifikator": stayer["personidentifikator"],
            "relatert_persons_rolle": "mor",
        }
    ]
    folder = write_registry(tmp_path / "r", [mover, stayer], [krr(mover)], relations)
    audience = resolve(
        make_campaign(criterion),
        open_small(folder),
        as_of=dt.date(2026, 11, 30),
        policy=ContactPolicy(None),
    )
    assert audience.funnel.matched == matched


@pytest.mark.parametrize(
    ("as_of", "criterion", "matched"),
    [
        (dt.date(100, 1, 1), Age(150, None), 0),  # older than the calendar goes: nobody
        (dt.date(100, 1, 1), Age(99, None), 1),
        (dt.date(100, 1, 1), Age(100, None), 0),
        (dt.date(1, 1, 1), Age(0, 0), 1),
        (dt.date(1, 1, 1), MovedIn(30, "anywhere"), 0),
        (dt.date(9999, 12, 31), Age(18, None), 3),
        (dt.date(9999, 12, 31), Age(None, 8000), 0),
        (dt.date(9999, 12, 31), MovedIn(3_000_000, "anywhere"), 1),
    ],
)
def test_the_calendars_edges(
    tmp_path: Path, as_of: dt.date, criterion: Criterion, matched: int
) -> None:
    """Every date rule at year 1 and at 9999-12-31: the right people, never an error."""
    first = person("0001-01-01")
    mover, stayer = person("1980-01-01", flyttedato="1990-01-01"), person("1981-01-01")
    people = [first, mover, stayer]
    folder = write_registry(tmp_path / "r", people, [krr(row) for row in people])
    audience = resolve(
        make_campaign(criterion), open_small(folder), as_of=as_of, policy=ContactPolicy(None)
    )
    assert audience.funnel.matched == matched

"""Rounds: which round a person is due, counted in Oslo days from the day the last began."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from proaktive.ledger import LedgerEntry, next_round, window_start

OSLO = ZoneInfo("Europe/Oslo")
# 00:30 on 1 January in Oslo is still 31 December in UTC: days are Oslo's.
BEGAN = dt.datetime(2026, 1, 1, 0, 30, tzinfo=OSLO)


def entry(state: str, round: int = 1) -> LedgerEntry:
    return LedgerEntry(
        campaign_id="test",
        person="ab" * 32,
        round=round,
        state=state,  # type: ignore[arg-type]
        attempts=1,
        smtp_reply=None,
        message_id=None,
        run_id=1,
        first_attempt_at=BEGAN.astimezone(dt.UTC),
        updated_at=BEGAN.astimezone(dt.UTC),
        sent_at=None,
    )


def test_window_start_is_the_first_instant_of_the_last_days() -> None:
    assert window_start(dt.date(2026, 11, 30), 30) == dt.datetime(2026, 11, 1, tzinfo=OSLO)
    assert window_start(dt.date(2026, 11, 30), 1) == dt.datetime(2026, 11, 30, tzinfo=OSLO)
    # Further back than the calendar goes: still an instant that UTC can hold.
    assert window_start(dt.date(1, 1, 5), 10**6) == dt.datetime(1, 1, 2, tzinfo=OSLO)
    assert window_start(dt.date(1, 1, 5), 10**6).astimezone(dt.UTC).year == 1


def test_nobody_recorded_gets_round_one() -> None:
    assert next_round(None, as_of=dt.date(2026, 1, 1), repeat_after_days=None) == 1


@pytest.mark.parametrize("state", ["sent", "failed", "attempting", "unknown"])
def test_without_repeat_there_is_only_round_one(state: str) -> None:
    latest = entry(state)
    assert next_round(latest, as_of=dt.date(2036, 1, 1), repeat_after_days=None) is None


def test_a_deferred_round_is_sent_again_and_unknown_only_when_asked() -> None:
    assert next_round(entry("deferred", 2), as_of=dt.date(2026, 1, 1), repeat_after_days=None) == 2
    unknown = entry("unknown", 3)
    assert next_round(unknown, as_of=dt.date(2026, 1, 1), repeat_after_days=None) is None
    assert (
        next_round(unknown, as_of=dt.date(2026, 1, 1), repeat_after_days=None, resend_unknown=True)
        == 3
    )


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [(dt.date(2026, 10, 27), None), (dt.date(2026, 10, 28), 2)],  # 1 January + 300 days
)
def test_the_next_round_is_due_that_many_days_after_the_last_began(
    as_of: dt.date, expected: int | None
) -> None:
    assert next_round(entry("sent"), as_of=as_of, repeat_after_days=300) == expected

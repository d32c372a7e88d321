"""Funnel rules 10 (`already_sent`) and 11 (`frequency_cap`), read from a real ledger file.

Every ledger row is written through the ledger's own API, as `send` will write it,
with a clock the test sets; the registry is real CSV files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from builders import SPEC_REASONS, krr, make_campaign, open_small, person, write_registry

from proaktive.audience.model import Audience
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age, Campaign, Not, Postcode
from proaktive.errors import LedgerError
from proaktive.ledger import State, key_path, open_ledger
from proaktive.registry.snapshot import Registry
from proaktive.settings import FrequencyCap

OSLO = ZoneInfo("Europe/Oslo")
AS_OF = dt.date(2026, 11, 30)
CAMPAIGN = dataclasses.replace(make_campaign(Age(18, None)), id="test")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=OSLO)


def record(
    ledger: Path,
    campaign_id: str,
    identifier: object,
    state: State,
    when: dt.datetime,
    round: int = 1,
) -> None:
    """One message of a run, as `send` records it: attempting, then its outcome."""
    with open_ledger(ledger, clock=lambda: when) as opened:
        run = opened.start_run(campaign_id, "c0ffee", when.date(), recipients=1)
        person = opened.pseudonym(str(identifier))
        opened.attempting(run.id, campaign_id, person, round, f"<{campaign_id}@test>")
        if state != "attempting":
            opened.record_outcome(campaign_id, person, round, state, None)
            opened.finish_run(run.id)


@pytest.fixture
def people(tmp_path: Path) -> dict[str, dict[str, object]]:
    """Ten adults who can all be reached, each with an address of their own."""
    names = [f"P{number}" for number in range(10)]
    rows = {
        name: person(f"19{60 + number}-01-01", fornavn=name) for number, name in enumerate(names)
    }
    write_registry(tmp_path / "registry", rows.values(), [krr(row) for row in rows.values()])
    return rows


@pytest.fixture
def registry(tmp_path: Path, people: Mapping[str, object]) -> Registry:
    return open_small(tmp_path / "registry")


def run_funnel(
    registry: Registry,
    ledger: Path | None,
    campaign: Campaign = CAMPAIGN,
    *,
    as_of: dt.date = AS_OF,
    cap: FrequencyCap | None = None,
    resend_unknown: bool = False,
) -> Audience:
    policy = ContactPolicy(
        opt_outs=None,
        ledger=ledger,
        frequency_cap=cap or FrequencyCap(max_messages=3, per_days=30),
        resend_unknown=resend_unknown,
    )
    audience = resolve(campaign, registry, as_of=as_of, policy=policy, fetch=None)
    funnel = audience.funnel
    assert funnel.matched - sum(funnel.excluded.values()) == funnel.recipients
    return audience


def recipients(audience: Audience) -> set[str]:
    return {r.fornavn for r in audience.recipients}


def excluded(**counts: int) -> dict[str, int]:
    return {reason: counts.get(reason, 0) for reason in SPEC_REASONS}


def test_rows_that_a_rerun_would_not_send_to_are_already_sent(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    pid = {name: row["personidentifikator"] for name, row in people.items()}
    record(ledger, "test", pid["P0"], "sent", at("2026-11-01"))
    record(ledger, "test", pid["P1"], "failed", at("2026-11-01"))
    record(ledger, "test", pid["P2"], "unknown", at("2026-11-01"))
    record(ledger, "test", pid["P3"], "attempting", at("2026-11-01"))
    record(ledger, "test", pid["P4"], "deferred", at("2026-11-01"))  # retried: not excluded
    record(ledger, "another", pid["P5"], "sent", at("2026-11-01"))  # another campaign
    audience = run_funnel(registry, ledger)
    assert audience.funnel.excluded == excluded(already_sent=4)
    assert recipients(audience) == {"P4", "P5", "P6", "P7", "P8", "P9"}


def test_on_unknown_resend_counts_only_sent_and_failed(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    pid = {name: row["personidentifikator"] for name, row in people.items()}
    for name, state in (("P0", "sent"), ("P1", "failed"), ("P2", "unknown"), ("P3", "attempting")):
        record(ledger, "test", pid[name], state, at("2026-11-01"))  # type: ignore[arg-type]
    audience = run_funnel(registry, ledger, resend_unknown=True)
    assert audience.funnel.excluded == excluded(already_sent=2)
    assert {"P2", "P3"} <= recipients(audience)


def test_without_repeat_after_days_once_is_for_ever(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    record(ledger, "test", people["P0"]["personidentifikator"], "sent", at("2016-01-01"))
    audience = run_funnel(registry, ledger)
    assert audience.funnel.excluded == excluded(already_sent=1)
    assert "P0" not in recipients(audience)


@pytest.mark.parametrize(
    ("as_of", "already_sent", "new_round"),
    [
        (dt.date(2026, 10, 27), {"P0", "P1", "P2"}, set()),
        (dt.date(2026, 10, 28), {"P1", "P2"}, {"P0"}),  # 1 January + 300 days
        (dt.date(2026, 10, 29), {"P2"}, {"P0", "P1"}),
    ],
)
def test_repeat_after_days_allows_the_next_round_that_many_days_after(
    tmp_path: Path,
    people: dict[str, dict[str, object]],
    registry: Registry,
    as_of: dt.date,
    already_sent: set[str],
    new_round: set[str],
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    pid = {name: row["personidentifikator"] for name, row in people.items()}
    # 00:10 in Oslo on 2 January is still 1 January in UTC: the days are Oslo's.
    record(ledger, "test", pid["P0"], "sent", at("2026-01-01", "23:50"))
    record(ledger, "test", pid["P1"], "sent", at("2026-01-02", "00:10"))
    record(ledger, "test", pid["P2"], "sent", at("2025-01-01"), round=1)
    record(ledger, "test", pid["P2"], "failed", at("2026-01-03"), round=2)  # the latest round
    campaign = dataclasses.replace(CAMPAIGN, repeat_after_days=300)
    audience = run_funnel(registry, ledger, campaign, as_of=as_of)
    assert audience.funnel.excluded == excluded(already_sent=len(already_sent))
    assert recipients(audience) == {f"P{n}" for n in range(10)} - already_sent
    assert new_round <= recipients(audience)


def test_the_frequency_cap_counts_messages_sent_from_any_campaign_within_per_days(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    pid = {name: row["personidentifikator"] for name, row in people.items()}
    # per_days 30 up to 30 November: from 1 November 00:00 in Oslo (31 October 23:00 UTC).
    record(ledger, "a", pid["P0"], "sent", at("2026-11-01", "00:00"))
    record(ledger, "b", pid["P0"], "sent", at("2026-11-29"))
    record(ledger, "a", pid["P1"], "sent", at("2026-10-31", "23:59"))  # a day too early
    record(ledger, "b", pid["P1"], "sent", at("2026-11-29"))
    record(ledger, "a", pid["P2"], "sent", at("2026-11-20"))
    record(ledger, "b", pid["P2"], "failed", at("2026-11-21"))  # only sent messages count
    record(ledger, "a", pid["P3"], "sent", at("2026-11-20"))
    record(ledger, "b", pid["P3"], "deferred", at("2026-11-21"))
    record(ledger, "a", pid["P4"], "sent", at("2026-11-20"))
    record(ledger, "b", pid["P4"], "sent", at("2026-11-21"))
    record(ledger, "c", pid["P4"], "sent", at("2026-11-22"))
    audience = run_funnel(registry, ledger, cap=FrequencyCap(max_messages=2, per_days=30))
    assert audience.funnel.excluded == excluded(frequency_cap=2)
    assert recipients(audience) == {f"P{n}" for n in range(10)} - {"P0", "P4"}


def test_a_campaign_exempt_from_the_cap_reaches_them(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    for campaign_id in ("a", "b", "c"):
        record(ledger, campaign_id, people["P0"]["personidentifikator"], "sent", at("2026-11-20"))
    capped = run_funnel(registry, ledger)
    assert capped.funnel.excluded == excluded(frequency_cap=1)
    statutory = dataclasses.replace(CAMPAIGN, category="statutory", frequency_cap=False)
    exempt = run_funnel(registry, ledger, statutory)
    assert exempt.funnel.excluded == excluded()
    assert "P0" in recipients(exempt)


def test_already_sent_comes_before_the_frequency_cap(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    for campaign_id in ("test", "b", "c"):
        record(ledger, campaign_id, people["P0"]["personidentifikator"], "sent", at("2026-11-20"))
    audience = run_funnel(registry, ledger)
    assert audience.funnel.excluded == excluded(already_sent=1)


def test_an_earlier_rule_comes_before_already_sent(
    tmp_path: Path, people: dict[str, dict[str, object]]
) -> None:
    """A person reserved since they got the campaign counts as reserved, not as sent."""
    ledger = tmp_path / "ledger.sqlite3"
    record(ledger, "test", people["P0"]["personidentifikator"], "sent", at("2026-11-20"))
    krr_rows = [
        krr(row, reservasjon="JA" if name == "P0" else "NEI") for name, row in people.items()
    ]
    write_registry(tmp_path / "registry", people.values(), krr_rows)
    audience = run_funnel(open_small(tmp_path / "registry"), ledger)
    assert audience.funnel.excluded == excluded(reserved=1)


def test_no_ledger_file_means_nothing_was_sent_and_none_is_made(
    tmp_path: Path, registry: Registry
) -> None:
    ledger = tmp_path / ".proaktive" / "ledger.sqlite3"
    audience = run_funnel(registry, ledger)
    assert audience.funnel.excluded == excluded()
    assert audience.funnel.recipients == 10
    assert not ledger.parent.exists()


def test_a_ledger_with_messages_but_no_key_stops_the_funnel(
    tmp_path: Path, people: dict[str, dict[str, object]], registry: Registry
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    record(ledger, "test", people["P0"]["personidentifikator"], "sent", at("2026-11-20"))
    key_path(ledger).unlink()
    with pytest.raises(LedgerError, match="the ledger's key file is missing"):
        run_funnel(registry, ledger)
    assert not key_path(ledger).exists()


@pytest.mark.parametrize(
    ("as_of", "reason"),
    [(dt.date(1, 1, 1), "already_sent"), (dt.date(9999, 12, 31), None)],
)
def test_windows_beyond_the_calendar_never_crash(
    tmp_path: Path,
    people: dict[str, dict[str, object]],
    registry: Registry,
    as_of: dt.date,
    reason: str | None,
) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    record(ledger, "test", people["P0"]["personidentifikator"], "sent", at("2026-11-20"))
    # Everyone, whatever the day: no age, and contact information of any age.
    campaign = dataclasses.replace(
        make_campaign(Not(Postcode(("9999",))), category="service", allow_stale_contact=True),
        repeat_after_days=10**6,
    )
    cap = FrequencyCap(max_messages=1, per_days=10**6)
    audience = run_funnel(registry, ledger, campaign, as_of=as_of, cap=cap)
    # A million days back from 9999 is 7262: the 2026 round is long past, and so is the
    # message (the cap's window reaches as far): P0 may get a new round.
    assert audience.funnel.excluded == (excluded(already_sent=1) if reason else excluded())

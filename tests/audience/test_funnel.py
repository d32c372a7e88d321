"""The funnel: who of the matched people is reachable, and the first reason for each who is not.

Every single-person case lives in one registry (real CSV files), each person with a
postcode of their own, so that a campaign for that postcode matches exactly that
person; the registry is read once for the module. The first name of each person is
the id of their case.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from builders import (
    AS_OF,
    SPEC_REASONS,
    krr,
    make_campaign,
    open_small,
    person,
    pid,
    write_registry,
)
from email_validator import EmailNotValidError, validate_email

from proaktive.audience.dates import eighteen_months_before
from proaktive.audience.model import REASONS, Audience
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    Born,
    Campaign,
    Category,
    Child,
    Criterion,
    District,
    Language,
    Not,
    Postcode,
)
from proaktive.registry.snapshot import Registry

OLD = "2020-01-01T10:00:00+01:00"  # far beyond 18 months
RECENT = "2026-01-10T10:00:00+01:00"


def resolve_checked(
    campaign: Campaign,
    registry: Registry,
    *,
    as_of: dt.date = AS_OF,
    opt_outs: Path | None = None,
    fetch: int | None = None,
) -> Audience:
    """Resolve, and hold the funnel to its invariants whatever the case."""
    audience = resolve(
        campaign, registry, as_of=as_of, policy=ContactPolicy(opt_outs=opt_outs), fetch=fetch
    )
    funnel = audience.funnel
    assert tuple(funnel.excluded) == SPEC_REASONS
    assert REASONS == SPEC_REASONS
    assert funnel.matched - sum(funnel.excluded.values()) == funnel.recipients
    # without a send ledger nobody has been sent anything
    assert funnel.excluded["already_sent"] == 0
    assert funnel.excluded["frequency_cap"] == 0
    if fetch is None:
        assert len(audience.recipients) == funnel.recipients
    ids = [r.personidentifikator for r in audience.recipients]
    assert ids == sorted(ids)
    return audience


def only(reason: str | None, count: int = 1) -> dict[str, int]:
    """The `excluded` of a funnel where `count` people were excluded for `reason`."""
    return {key: count if key == reason else 0 for key in SPEC_REASONS}


def write_opt_outs(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- one person, one reason --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    expected: str | None  # the reason, or None for a recipient
    fields: Mapping[str, str] = field(default_factory=dict)
    krr: Mapping[str, str] | None = field(default_factory=dict)  # None: no KRR row
    category: Category = "information"
    contact: Mapping[str, bool] = field(default_factory=dict)
    opt_out: str | None = None  # "id" or "email": on the opt-out list by that column
    as_of: dt.date = AS_OF


PROTECTED = {"adressegradering": "fortrolig"}
STRICTLY_PROTECTED = {"adressegradering": "strengtFortrolig"}
RESERVED = {"reservasjon": "JA"}
STALE = {"epostadresse_oppdatert": OLD}
INCLUDE_PROTECTED = {"include_protected_addresses": True}
IGNORE_RESERVATION = {"ignore_reservation": True}
ALLOW_STALE = {"allow_stale_contact": True}

REASON_CASES = [
    Case("usable", None),
    Case("ugradert", None, fields={"adressegradering": "ugradert"}),
    Case("klientadresse", None, fields={"adressegradering": "klientadresse"}),
    # 1 protected_address
    Case("fortrolig", "protected_address", fields=PROTECTED),
    Case("strengt-fortrolig", "protected_address", fields=STRICTLY_PROTECTED),
    Case("fortrolig-included", None, fields=PROTECTED, contact=INCLUDE_PROTECTED),
    Case("strengt-included", None, fields=STRICTLY_PROTECTED, contact=INCLUDE_PROTECTED),
    Case("fortrolig-and-reserved", "protected_address", fields=PROTECTED, krr=RESERVED),
    Case("fortrolig-and-no-krr", "protected_address", fields=PROTECTED, krr=None),
    Case(
        "included-protected-goes-on-to-reserved",
        "reserved",
        fields=STRICTLY_PROTECTED,
        krr=RESERVED,
        contact=INCLUDE_PROTECTED,
    ),
    # 2 not_in_krr
    Case("no-krr-row", "not_in_krr", krr=None),
    Case("ikke-registrert", "not_in_krr", krr={"status": "IKKE_REGISTRERT"}),
    Case(
        "ikke-registrert-and-reserved",
        "not_in_krr",
        krr={"status": "IKKE_REGISTRERT", **RESERVED},
    ),
    # 3 krr_deleted
    Case("slettet", "krr_deleted", krr={"status": "SLETTET"}),
    Case("slettet-and-reserved", "krr_deleted", krr={"status": "SLETTET", **RESERVED}),
    Case(
        "slettet-ignore-reservation",
        "krr_deleted",
        krr={"status": "SLETTET", **RESERVED},
        category="service",
        contact=IGNORE_RESERVATION,
    ),
    # 4 reserved
    Case("reserved", "reserved", krr=RESERVED),
    Case("reserved-and-opted-out", "reserved", krr=RESERVED, opt_out="id"),
    Case(
        "reserved-ignored-service",
        None,
        krr=RESERVED,
        category="service",
        contact=IGNORE_RESERVATION,
    ),
    Case(
        "reserved-ignored-statutory",
        None,
        krr=RESERVED,
        category="statutory",
        contact=IGNORE_RESERVATION,
    ),
    Case(
        "reserved-ignored-goes-on-to-opted-out",
        "opted_out",
        krr=RESERVED,
        category="service",
        contact=IGNORE_RESERVATION,
        opt_out="id",
    ),
    # 5 opted_out
    Case("opted-out-by-id", "opted_out", opt_out="id"),
    Case("opted-out-by-email", "opted_out", opt_out="email"),
    Case("opted-out-service", "opted_out", category="service", opt_out="id"),
    Case("opted-out-statutory-by-id", None, category="statutory", opt_out="id"),
    Case("opted-out-statutory-by-email", None, category="statutory", opt_out="email"),
    Case("opted-out-no-email", "opted_out", krr={"epostadresse": ""}, opt_out="id"),
    Case("opted-out-and-stale", "opted_out", krr=STALE, opt_out="email"),
    # 6 no_email
    Case("no-email", "no_email", krr={"epostadresse": ""}),
    Case("no-email-and-stale", "no_email", krr={"epostadresse": "", **STALE}),
    # 7 invalid_email
    Case("invalid-and-stale", "invalid_email", krr={"epostadresse": "kari@", **STALE}),
    Case("internationalised", None, krr={"epostadresse": "åse@eksempel.no"}),
    # 8 stale_contact
    Case("stale", "stale_contact", krr=STALE),
    Case("stale-allowed-service", None, krr=STALE, category="service", contact=ALLOW_STALE),
    Case("stale-allowed-statutory", None, krr=STALE, category="statutory", contact=ALLOW_STALE),
    Case(
        "stale-allowed-all-overrides",
        None,
        fields=PROTECTED,
        krr={**RESERVED, **STALE},
        category="statutory",
        contact={**ALLOW_STALE, **IGNORE_RESERVATION, **INCLUDE_PROTECTED},
    ),
]

# email-validator's verdict (check_deliverability=False, other defaults), written out
ADDRESSES = [
    ("åse@eksempel.no", True),
    ("ÅSMUND@Eksempel.no", True),
    ("kari@exämple.no", True),
    ("Kari.Nordmann@Example.NO", True),
    ("kari+tag@example.no", True),
    ("ola@sub.example.co.uk", True),
    ("kari@", False),
    ("kari.example.no", False),
    ("kari@@example.no", False),
    ("kari@localhost", False),
    ("kari@example", False),
    ("a..b@example.no", False),
    ("kari@ex_ample.no", False),
    (".kari@example.no", False),
    ("kari@example.no.", False),
    ("kari nordmann@example.no", False),
    ("kari@example.invalid", False),
    ("kari@example.local", False),
    ("kari@-example.no", False),
    ("ola@[192.168.0.1]", False),
    ('"ola"@example.no', False),
]
ADDRESS_CASES = [
    Case(f"address-{number}", None if valid else "invalid_email", krr={"epostadresse": address})
    for number, (address, valid) in enumerate(ADDRESSES)
]


def stamps(oppdatert: str, verifisert: str = "", varsling: str = "KAN_VARSLES") -> dict[str, str]:
    return {
        "epostadresse_oppdatert": oppdatert,
        "epostadresse_sist_verifisert": verifisert,
        "varslingsstatus": varsling,
    }


WINTER = dt.date(2027, 6, 30)  # cutoff 2025-12-30, when Oslo is at +01
MONTH_END = dt.date(2026, 8, 31)  # cutoff 2025-02-28: calendar months
STALE_CASES = [
    Case("first-fresh-day", None, krr=stamps("2025-05-30T00:00:00+02:00")),
    Case("last-stale-second", "stale_contact", krr=stamps("2025-05-29T23:59:59+02:00")),
    # 22:30 UTC is 00:30 the next day in Oslo (CEST, +02)
    Case("utc-2230-is-next-day-in-oslo", None, krr=stamps("2025-05-29T22:30:00Z")),
    Case("utc-2130-is-2330-in-oslo", "stale_contact", krr=stamps("2025-05-29T21:30:00Z")),
    Case("utc-midnight-in-oslo", None, krr=stamps("2025-05-29T22:00:00.000Z")),
    Case("utc-before-midnight-in-oslo", "stale_contact", krr=stamps("2025-05-29T21:59:59.999Z")),
    Case("minus-one-hour-is-next-day", None, krr=stamps("2025-05-29T23:30:00-01:00")),
    Case("plus-five-hours-is-day-before", "stale_contact", krr=stamps("2025-05-30T00:30:00+05:00")),
    Case("hour-only-offset", None, krr=stamps("2025-05-30T01:00:00+02")),
    Case("hour-only-offset-stale", "stale_contact", krr=stamps("2023-06-13T13:42:34+02")),
    Case("updated-today", None, krr=stamps("2026-11-30T08:00:00+01:00")),
    # the later of oppdatert and sist_verifisert counts
    Case("verified-recently", None, krr=stamps(OLD, RECENT)),
    Case("updated-recently", None, krr=stamps(RECENT, OLD)),
    Case("verified-on-cutoff", None, krr=stamps(OLD, "2025-05-30T12:00:00+02:00")),
    Case("both-stale", "stale_contact", krr=stamps(OLD, "2025-05-29T12:00:00+02:00")),
    Case("only-verified-fresh", None, krr=stamps("", "2025-06-01T09:00:00+02:00")),
    Case("only-verified-stale", "stale_contact", krr=stamps("", "2024-06-01T09:00:00+02:00")),
    # both empty: fresh exactly when KRR says it can notify
    Case("no-stamps-kan-varsles", None, krr=stamps("", "", "KAN_VARSLES")),
    Case("no-stamps-kan-ikke-varsles", "stale_contact", krr=stamps("", "", "KAN_IKKE_VARSLES")),
    Case("no-stamps-no-varslingsstatus", "stale_contact", krr=stamps("", "", "")),
    # with a timestamp, varslingsstatus does not decide
    Case("fresh-stamp-kan-ikke-varsles", None, krr=stamps(RECENT, "", "KAN_IKKE_VARSLES")),
    Case("stale-stamp-kan-varsles", "stale_contact", krr=stamps(OLD, "", "KAN_VARSLES")),
    Case(
        "no-stamps-kan-ikke-varsles-allowed",
        None,
        krr=stamps("", "", "KAN_IKKE_VARSLES"),
        category="service",
        contact=ALLOW_STALE,
    ),
    Case("winter-fresh", None, krr=stamps("2025-12-29T23:30:00Z"), as_of=WINTER),
    Case("winter-stale", "stale_contact", krr=stamps("2025-12-29T22:30:00Z"), as_of=WINTER),
    Case("month-end-fresh", None, krr=stamps("2025-02-28T00:30:00+01:00"), as_of=MONTH_END),
    Case(
        "month-end-stale", "stale_contact", krr=stamps("2025-02-27T23:30:00+01:00"), as_of=MONTH_END
    ),
]

SINGLE_CASES = REASON_CASES + ADDRESS_CASES + STALE_CASES


def postcode_of(number: int) -> str:
    return f"{1000 + number:04d}"


@dataclass(frozen=True)
class Town:
    registry: Registry
    opt_outs: Path
    ids: dict[str, str]  # identifier by first name


# Duplicate e-mail scenarios: each person is (name, born, epostadresse, krr extra).
# Identifiers begin with the day of birth, so the oldest is given a late day: the
# order by age is then not the order by identifier.
DUPLICATE_SCENARIOS: dict[str, list[tuple[str, str, str, dict[str, str]]]] = {
    "differing-case": [
        ("Middle", "1970-06-15", "Ola.Hansen@Example.no", {}),
        ("Oldest", "1960-12-31", "ola.hansen@example.no", {}),
        ("Youngest", "1980-01-01", "OLA.HANSEN@EXAMPLE.NO", {}),
        ("Other", "1990-01-01", "ola.hansen@example.com", {}),
    ],
    "older-not-reachable": [
        ("OldReserved", "1950-01-01", "familie@example.no", RESERVED),
        ("OldStale", "1955-01-01", "Familie@example.no", STALE),
        ("OldNoEmail", "1956-01-01", "", {}),
        ("Young", "1990-12-31", "FAMILIE@example.no", {}),
        ("Younger", "1995-01-01", "familie@EXAMPLE.no", {}),
    ],
    "internationalised": [
        ("Composed", "1985-01-01", "Åse@eksempel.no", {}),
        ("Decomposed", "1975-12-31", "a\u030ase@eksempel.no", {}),  # å as a + ring
        ("LowerCase", "1995-01-01", "åse@EKSEMPEL.NO", {}),
    ],
    "kelvin-sign": [
        # U+212A KELVIN SIGN normalises to K: the same address as kari@example.no
        ("Kelvin", "1970-12-31", "\u212aari@example.no", {}),
        ("Plain", "1980-01-01", "kari@example.no", {}),
    ],
}
# Same birth date: the lower identifier keeps the address (written higher first).
SAME_BIRTH_DATE = "1977-07-07"
LOWER_ID = pid(SAME_BIRTH_DATE, 200)
HIGHER_ID = pid(SAME_BIRTH_DATE, 600)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    folder = tmp_path_factory.mktemp("town")
    personer: list[dict[str, object]] = []
    krr_rows: list[dict[str, object]] = []
    opt_out_rows: list[tuple[str, str]] = []
    for number, case in enumerate(SINGLE_CASES):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=number)
        row = person(
            born.isoformat(), fornavn=case.id, postnummer=postcode_of(number), **case.fields
        )
        personer.append(row)
        if case.krr is not None:
            address = f"Person.{number}@Example.no"
            krr_rows.append(krr(row, **{"epostadresse": address, **case.krr}))
        if case.opt_out == "id":
            opt_out_rows.append((str(row["personidentifikator"]), ""))
        elif case.opt_out == "email":
            opt_out_rows.append(("", f"person.{number}@EXAMPLE.NO"))
    for number, people in enumerate(DUPLICATE_SCENARIOS.values()):
        for name, birth_date, address, extra in people:
            row = person(birth_date, fornavn=name, postnummer=f"{9000 + number}")
            personer.append(row)
            krr_rows.append(krr(row, epostadresse=address, **extra))
    for identifier, name in ((HIGHER_ID, "Higher"), (LOWER_ID, "Lower")):
        row = person(
            SAME_BIRTH_DATE, personidentifikator=identifier, fornavn=name, postnummer="9900"
        )
        personer.append(row)
        krr_rows.append(krr(row, epostadresse="tvilling@example.no"))
    ids = {str(row["fornavn"]): str(row["personidentifikator"]) for row in personer}
    assert len(set(ids.values())) == len(personer), "identifiers must be unique"
    write_registry(folder / "registry", personer, krr_rows)
    opt_outs = write_opt_outs(
        folder / "opt-outs.csv", ["personidentifikator", "epostadresse"], opt_out_rows
    )
    registry = open_small(folder / "registry")
    yield Town(registry, opt_outs, ids)
    registry.connection.close()


@pytest.mark.parametrize("case", REASON_CASES, ids=[case.id for case in REASON_CASES])
def test_each_matched_person_gets_the_first_reason_that_excludes_them(
    town: Town, case: Case
) -> None:
    number = SINGLE_CASES.index(case)
    campaign = make_campaign(
        Postcode((postcode_of(number),)), category=case.category, **case.contact
    )
    audience = resolve_checked(campaign, town.registry, as_of=case.as_of, opt_outs=town.opt_outs)
    assert audience.funnel.population == len(town.ids)
    assert audience.funnel.matched == 1
    if case.expected is None:
        assert audience.funnel.excluded == only(None)
        assert audience.funnel.recipients == 1
        assert [r.personidentifikator for r in audience.recipients] == [town.ids[case.id]]
    else:
        assert audience.funnel.excluded == only(case.expected)
        assert audience.funnel.recipients == 0
        assert audience.recipients == ()


# The address and timestamp cases have one outcome each: a recipient, or excluded for
# the one reason of their table. So the cases of the same campaign and as_of are
# resolved together: exactly the expected recipients, and a count for the rest.
BATCHED_CASES = ADDRESS_CASES + STALE_CASES
BatchKey = tuple[dt.date, Category, tuple[tuple[str, bool], ...]]


def batch_key(case: Case) -> BatchKey:
    return case.as_of, case.category, tuple(sorted(case.contact.items()))


def _batches() -> dict[BatchKey, list[Case]]:
    grouped: dict[BatchKey, list[Case]] = {}
    for case in BATCHED_CASES:
        grouped.setdefault(batch_key(case), []).append(case)
    return grouped


BATCHES = _batches()


@pytest.fixture(scope="module")
def batch(town: Town) -> Callable[[BatchKey], Audience]:
    """The audience of the cases of one campaign and as_of, resolved once."""

    @functools.cache
    def resolve_batch(key: BatchKey) -> Audience:
        as_of, category, contact = key
        codes = tuple(postcode_of(SINGLE_CASES.index(case)) for case in BATCHES[key])
        campaign = make_campaign(Postcode(codes), category=category, **dict(contact))
        return resolve_checked(campaign, town.registry, as_of=as_of, opt_outs=town.opt_outs)

    return resolve_batch


@pytest.mark.parametrize("case", BATCHED_CASES, ids=[case.id for case in BATCHED_CASES])
def test_each_address_and_timestamp_case(
    town: Town, batch: Callable[[BatchKey], Audience], case: Case
) -> None:
    recipients = {r.personidentifikator for r in batch(batch_key(case)).recipients}
    assert (town.ids[case.id] in recipients) is (case.expected is None)


@pytest.mark.parametrize("key", list(BATCHES), ids=[str(key[0]) + "-" + key[1] for key in BATCHES])
def test_the_others_of_a_batch_are_excluded_for_its_one_reason(
    batch: Callable[[BatchKey], Audience], key: BatchKey
) -> None:
    cases = BATCHES[key]
    audience = batch(key)
    assert audience.funnel.matched == len(cases)
    excluded = Counter(case.expected for case in cases if case.expected is not None)
    assert audience.funnel.excluded == {reason: excluded[reason] for reason in SPEC_REASONS}


@pytest.mark.parametrize(("address", "valid"), ADDRESSES)
def test_the_address_table_is_email_validators_verdict(address: str, valid: bool) -> None:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        verdict = False
    else:
        verdict = True
    assert verdict is valid


def test_the_18_month_cutoff_of_the_stale_cases() -> None:
    assert eighteen_months_before(AS_OF) == dt.date(2025, 5, 30)
    assert eighteen_months_before(WINTER) == dt.date(2025, 12, 30)
    assert eighteen_months_before(MONTH_END) == dt.date(2025, 2, 28)


def test_an_internationalised_recipient_keeps_the_address_as_written(town: Town) -> None:
    number = SINGLE_CASES.index(next(c for c in REASON_CASES if c.id == "internationalised"))
    audience = resolve_checked(make_campaign(Postcode((postcode_of(number),))), town.registry)
    assert [r.epostadresse for r in audience.recipients] == ["åse@eksempel.no"]


# --- duplicate e-mail addresses --------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "recipients", "excluded"),
    [
        ("differing-case", {"Oldest", "Other"}, {"duplicate_email": 2}),
        (
            "older-not-reachable",
            {"Young"},
            {"reserved": 1, "stale_contact": 1, "no_email": 1, "duplicate_email": 1},
        ),
        ("internationalised", {"Decomposed"}, {"duplicate_email": 2}),
        ("kelvin-sign", {"Kelvin"}, {"duplicate_email": 1}),
    ],
)
def test_the_oldest_reachable_person_keeps_a_shared_address(
    town: Town, scenario: str, recipients: set[str], excluded: dict[str, int]
) -> None:
    number = list(DUPLICATE_SCENARIOS).index(scenario)
    audience = resolve_checked(make_campaign(Postcode((f"{9000 + number}",))), town.registry)
    assert audience.funnel.matched == len(DUPLICATE_SCENARIOS[scenario])
    assert audience.funnel.excluded == {key: excluded.get(key, 0) for key in SPEC_REASONS}
    assert {r.fornavn for r in audience.recipients} == recipients


def test_same_birth_date_the_lower_identifier_keeps_a_shared_address(town: Town) -> None:
    assert LOWER_ID < HIGHER_ID
    audience = resolve_checked(make_campaign(Postcode(("9900",))), town.registry)
    assert audience.funnel.excluded == only("duplicate_email")
    assert [r.personidentifikator for r in audience.recipients] == [LOWER_ID]


def test_a_shared_address_outside_the_audience_excludes_nobody(town: Town) -> None:
    # Oldest (1960) and Middle (1970) share Youngest's address, but do not match
    number = list(DUPLICATE_SCENARIOS).index("differing-case")
    criterion = AllOf((Postcode((f"{9000 + number}",)), Age(None, 50)))
    audience = resolve_checked(make_campaign(criterion), town.registry)
    assert audience.funnel.matched == 2
    assert audience.funnel.excluded == only(None)
    assert {r.fornavn for r in audience.recipients} == {"Youngest", "Other"}


# --- the opt-out list ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "opted_out"),
    [
        (["personidentifikator"], ["{id}"], True),
        (["epostadresse"], ["PERSON.0@example.NO"], True),
        (["epostadresse", "personidentifikator"], ["", "{id}"], True),
        (["personidentifikator", "epostadresse"], ["", "person.0@example.no"], True),
        (["personidentifikator", "epostadresse"], ["{id}", ""], True),
        (["navn", "epostadresse"], ["Kari", "Person.0@Example.no"], True),
        (["personidentifikator", "epostadresse"], ["{other}", "person.1@example.no"], False),
        (["personidentifikator", "epostadresse"], None, False),  # the header only
    ],
    ids=[
        "id-column-only",
        "email-column-only",
        "columns-swapped",
        "row-with-email-only",
        "row-with-id-only",
        "extra-column",
        "someone-else",
        "empty-list",
    ],
)
def test_the_opt_out_list_names_a_person_by_identifier_or_address(
    town: Town, tmp_path: Path, header: list[str], row: list[str] | None, opted_out: bool
) -> None:
    ids = {"id": town.ids["usable"], "other": town.ids["ugradert"]}
    rows = [] if row is None else [[value.format(**ids) for value in row]]
    opt_outs = write_opt_outs(tmp_path / "opt-outs.csv", header, rows)
    usable = SINGLE_CASES.index(REASON_CASES[0])
    audience = resolve_checked(
        make_campaign(Postcode((postcode_of(usable),))), town.registry, opt_outs=opt_outs
    )
    assert audience.funnel.excluded == only("opted_out" if opted_out else None)


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffpersonidentifikator,epostadresse\r\n{id},\r\n",
        "\ufeffepostadresse\r\nPERSON.0@EXAMPLE.NO\r\n",
        '"personidentifikator","epostadresse"\n"","Person.0@Example.no"\n',
    ],
    ids=["bom-crlf-id", "bom-crlf-email", "quoted"],
)
def test_an_opt_out_list_as_a_spreadsheet_saves_it(town: Town, tmp_path: Path, text: str) -> None:
    opt_outs = tmp_path / "opt-outs.csv"
    opt_outs.write_bytes(text.format(id=town.ids["usable"]).encode("utf-8"))
    usable = SINGLE_CASES.index(REASON_CASES[0])
    audience = resolve_checked(
        make_campaign(Postcode((postcode_of(usable),))), town.registry, opt_outs=opt_outs
    )
    assert audience.funnel.excluded == only("opted_out")


# --- the population ------------------------------------------------------------------


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, dict[str, str]]]:
    """Residents, non-residents, and rows with data errors (which are in no population).

    The registry folder is `registry.folder`."""
    first = person("1980-01-01", fornavn="First")
    parent = person("1985-02-02", fornavn="Parent")
    broken_kid = person("2020-01-01", fornavn="BrokenKid")
    personer = [
        first,
        person("1981-01-01", fornavn="Second"),
        parent,
        person("1982-01-01", fornavn="Emigrated", status="utflyttet"),
        person("1983-01-01", fornavn="Dead", status="doed"),
        person("1984-01-01", fornavn="Missing", status="forsvunnet"),
        # data errors: these rows are skipped
        {**first, "fornavn": "FirstAgain"},  # the identifier occurs again: the first row wins
        {**broken_kid, "foedselsdato": "2020-13-01"},  # not a date
        person("1986-03-03", fornavn="BadDate", foedselsdato="17.05.1986"),
        person("1987-04-04", fornavn="ShortId", personidentifikator="1234567890"),
        person("1988-05-05", fornavn="BadStatus", status="levende"),
        person("1989-06-06", fornavn="NoSurname", etternavn=""),
    ]
    ids = {str(row["fornavn"]): str(row["personidentifikator"]) for row in personer}
    krr_rows = [
        krr(first),
        krr(parent),
        krr(personer[1], reservasjon="KANSKJE"),  # a data error: Second has no usable KRR row
        krr(person("1990-01-01"), epostadresse="nobody@example.no"),  # no such person
    ]
    relasjoner = [
        {
            "personidentifikator": ids["Parent"],
            "relatert_personidentifikator": ids["BrokenKid"],
            "relatert_persons_rolle": "barn",
        }
    ]
    folder = tmp_path_factory.mktemp("messy")
    write_registry(folder, personer, krr_rows, relasjoner=relasjoner)
    registry = open_small(folder)
    yield registry, ids
    registry.connection.close()


def test_rows_with_data_errors_are_skipped_counted_and_in_no_population(
    messy: tuple[Registry, dict[str, str]],
) -> None:
    registry, ids = messy
    audience = resolve_checked(make_campaign(Not(Postcode(("9999",)))), registry)
    # bosatt and without a data error: First, Second and Parent
    assert audience.funnel.population == 3
    assert audience.funnel.matched == 3
    assert audience.funnel.excluded == only("not_in_krr")  # Second's KRR row was skipped
    assert [r.fornavn for r in audience.recipients] == sorted(
        ["First", "Parent"], key=lambda name: ids[name]
    )
    # 6 personer rows and 1 krr row. The krr row of nobody is a data error that
    # `registry check` reports, but not a skipped row: no campaign could use it.
    assert audience.skipped_rows == 7
    assert "no person with this personidentifikator in personer.csv" in {
        error.reason for error in registry.errors
    }


def test_a_child_whose_row_has_a_data_error_never_counts(
    messy: tuple[Registry, dict[str, str]],
) -> None:
    registry, _ = messy
    audience = resolve_checked(make_campaign(Child("years", 0, None)), registry)
    assert audience.funnel.matched == 0


@pytest.mark.parametrize(
    ("criterion", "matched"),
    [
        (Age(0, None), {"First", "Second", "Parent"}),
        (Born(dt.date(1981, 6, 1), dt.date(1984, 12, 31)), set()),  # Emigrated, Dead, Missing
        (Not(Born(dt.date(1980, 1, 1), dt.date(1981, 1, 1))), {"Parent"}),
    ],
    ids=["everyone", "born-like-the-non-residents", "not-first-or-second"],
)
def test_non_resident_rows_never_match(
    messy: tuple[Registry, dict[str, str]], criterion: Criterion, matched: set[str]
) -> None:
    registry, _ = messy
    audience = resolve_checked(make_campaign(criterion), registry)
    assert audience.funnel.population == 3
    assert audience.funnel.matched == len(matched)
    # Second has no usable KRR row (not_in_krr): the others are recipients
    assert {r.fornavn for r in audience.recipients} == matched - {"Second"}


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Identifiers that occur twice, the second row different: the first row is used."""
    away = person("1980-01-01", fornavn="Away", status="utflyttet")
    frogner = person("1981-01-01", fornavn="Frogner", bydelsnummer="030105")
    reserved = person("1982-01-01", fornavn="Reserved")
    parent = person("1970-01-01", fornavn="Parent")
    kid = person("2026-07-30", fornavn="Kid", status="doed")
    personer = [
        away,
        {**away, "fornavn": "Back", "status": "bosatt"},
        frogner,
        {**frogner, "fornavn": "Sagene", "bydelsnummer": "030103"},
        reserved,
        parent,
        kid,
        {**kid, "fornavn": "Alive", "status": "bosatt"},
    ]
    krr_rows = [
        krr(away),
        krr(frogner),
        krr(reserved, reservasjon="JA"),
        krr(reserved, reservasjon="NEI"),
        krr(parent),
    ]
    relasjoner = [
        {
            "personidentifikator": parent["personidentifikator"],
            "relatert_personidentifikator": kid["personidentifikator"],
            "relatert_persons_rolle": "barn",
        }
    ]
    folder = tmp_path_factory.mktemp("twice")
    write_registry(folder, personer, krr_rows, relasjoner=relasjoner)
    registry = open_small(folder)
    yield registry
    registry.connection.close()


@pytest.mark.parametrize(
    ("criterion", "recipients", "excluded"),
    [
        (Age(0, None), {"Frogner", "Parent"}, only("reserved")),
        (District(("030105",)), {"Frogner", "Parent"}, only("reserved")),
        (District(("030103",)), set(), only(None, 0)),
        (Child("months", 4, 4), set(), only(None, 0)),  # the kid's first row says doed
    ],
    ids=["everyone", "first-district", "second-district", "child"],
)
def test_the_first_row_of_an_identifier_decides(
    twice: Registry, criterion: Criterion, recipients: set[str], excluded: dict[str, int]
) -> None:
    audience = resolve_checked(make_campaign(criterion), twice)
    assert audience.funnel.population == 3  # Frogner, Reserved, Parent: not Away
    assert {r.fornavn for r in audience.recipients} == recipients
    assert audience.funnel.excluded == excluded
    assert audience.skipped_rows == 4  # three personer rows and one krr row


# --- the whole funnel at once ---------------------------------------------------------

EVERY_REASON = AllOf((Age(18, None), Not(District(("030101",)))))


@pytest.fixture(scope="module")
def everything(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Registry, Path, list[str]]]:
    """A registry with a person for every step of the funnel; the recipients' identifiers."""
    frogner = {"bydelsnummer": "030105"}
    sagene = {"bydelsnummer": "030103"}
    recipients = [
        (person("1960-01-01", fornavn="R1", **frogner), {"spraak": "nb"}),
        (person("1961-01-01", fornavn="R2", **frogner), {"spraak": "en"}),
        (person("1962-01-01", fornavn="R3", **sagene), {"spraak": "nb"}),
        (person("1963-01-01", fornavn="R4", bydelsnummer=""), {"spraak": ""}),
        (person("1964-01-01", fornavn="R5", **sagene), {"epostadresse": "delt@example.no"}),
    ]
    excluded = [
        (person(fornavn="Protected", adressegradering="strengtFortrolig"), {}),
        (person(fornavn="NoKrr"), None),
        (person(fornavn="NotRegistered"), {"status": "IKKE_REGISTRERT"}),
        (person(fornavn="Deleted"), {"status": "SLETTET"}),
        (person(fornavn="Reserved"), {"reservasjon": "JA"}),
        (person(fornavn="OptedOutById"), {}),
        (person(fornavn="OptedOutByEmail"), {"epostadresse": "Nei.Takk@example.no"}),
        (person(fornavn="NoEmail"), {"epostadresse": ""}),
        (person(fornavn="Invalid"), {"epostadresse": "kari@example"}),
        (person(fornavn="Stale"), {"epostadresse_oppdatert": OLD}),
        (person("1990-01-01", fornavn="Shared"), {"epostadresse": "DELT@example.no"}),
    ]
    unmatched: list[tuple[dict[str, object], dict[str, str] | None]] = [
        (person("2010-01-01", fornavn="Minor"), {}),
        (person(fornavn="StGeorgsDistrict", bydelsnummer="030101"), {}),
        (person(fornavn="Emigrated", status="utflyttet"), {}),
    ]
    everyone = recipients + excluded + unmatched
    personer = [row for row, _ in everyone]
    personer.append({**personer[0], "foedselsdato": "1960-02-30"})  # a data error
    krr_rows = [krr(row, **fields) for row, fields in everyone if fields is not None]
    folder = tmp_path_factory.mktemp("everything")
    write_registry(folder / "registry", personer, krr_rows)
    opted_out_id = next(
        str(r["personidentifikator"]) for r, _ in excluded if r["fornavn"] == "OptedOutById"
    )
    opt_outs = write_opt_outs(
        folder / "opt-outs.csv",
        ["personidentifikator", "epostadresse"],
        [[opted_out_id, ""], ["", "nei.takk@EXAMPLE.no"]],
    )
    registry = open_small(folder / "registry")
    yield registry, opt_outs, sorted(str(row["personidentifikator"]) for row, _ in recipients)
    registry.connection.close()


def test_every_reason_in_one_funnel(everything: tuple[Registry, Path, list[str]]) -> None:
    registry, opt_outs, recipient_ids = everything
    audience = resolve_checked(make_campaign(EVERY_REASON), registry, opt_outs=opt_outs)
    assert audience.campaign_id == "test"
    assert audience.as_of == AS_OF
    assert audience.funnel.population == 18
    assert audience.funnel.matched == 16
    assert audience.funnel.excluded == {
        "protected_address": 1,
        "not_in_krr": 2,
        "krr_deleted": 1,
        "reserved": 1,
        "opted_out": 2,
        "no_email": 1,
        "invalid_email": 1,
        "stale_contact": 1,
        "duplicate_email": 1,
        "already_sent": 0,
        "frequency_cap": 0,
    }
    assert audience.funnel.recipients == 5
    assert [r.personidentifikator for r in audience.recipients] == recipient_ids
    assert audience.skipped_rows == 1
    assert audience.by_district == {"": 1, "030103": 2, "030105": 2}
    assert audience.by_language == {"": 1, "en": 1, "nb": 3}
    assert audience.without_coordinates is None


@pytest.mark.parametrize("fetch", [0, 2, 50])
def test_fetch_limits_the_recipients_not_the_funnel(
    everything: tuple[Registry, Path, list[str]], fetch: int
) -> None:
    registry, opt_outs, recipient_ids = everything
    audience = resolve_checked(
        make_campaign(EVERY_REASON), registry, opt_outs=opt_outs, fetch=fetch
    )
    assert audience.funnel.recipients == 5
    assert [r.personidentifikator for r in audience.recipients] == recipient_ids[:fetch]


def test_a_recipient_carries_the_registry_values(
    everything: tuple[Registry, Path, list[str]],
) -> None:
    registry, opt_outs, _ = everything
    audience = resolve_checked(
        make_campaign(AllOf((EVERY_REASON, Language(("en",))))), registry, opt_outs=opt_outs
    )
    (r2,) = audience.recipients
    assert (r2.fornavn, r2.etternavn, r2.foedselsdato) == ("R2", "Nordmann", dt.date(1961, 1, 1))
    assert r2.epostadresse == f"{r2.personidentifikator}@example.no"
    assert (r2.spraak, r2.kommunenummer, r2.bydelsnummer) == ("en", "0301", "030105")
    assert (r2.adressenavn, r2.husnummer, r2.postnummer, r2.poststed) == (
        "Bygdøy allé",
        12,
        "0262",
        "OSLO",
    )
    assert (r2.mellomnavn, r2.husbokstav, r2.flyttedato, r2.barn) == (None, None, None, ())

"""KRR (Kontakt- og reservasjonsregisteret) rows for the synthetic registry.

Mostly people who can be reached, and every kind of person who can't: not in KRR,
deleted, reserved, no e-mail, a broken e-mail, a stale one (the 18-month rule), two
people sharing one address. Timestamps come in both shapes KRR produces.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from dateutil.relativedelta import relativedelta

from proaktive.synthetic.names import EMAIL_DOMAIN_SHARES, EMAIL_DOMAINS, email_local
from proaktive.synthetic.people import YEAR
from proaktive.synthetic.personal import pick, rare

COLUMNS = (
    "personidentifikator",
    "reservasjon",
    "status",
    "varslingsstatus",
    "epostadresse",
    "epostadresse_oppdatert",
    "epostadresse_sist_verifisert",
    "mobiltelefonnummer",
    "mobiltelefonnummer_oppdatert",
    "mobiltelefonnummer_sist_verifisert",
    "spraak",
)
NONE, AKTIV, SLETTET, IKKE_REGISTRERT = -1, 0, 1, 2
STATUS_NAMES = np.array(["AKTIV", "SLETTET", "IKKE_REGISTRERT"], dtype=object)
OSLO = ZoneInfo("Europe/Oslo")
# How e-mail syntax goes wrong in real registers: each one fails email-validator.
BROKEN = (
    "{local}@@{domain}",
    "{local}@",
    "{spaced}@{domain}",
    "{local}@{host}",
    "{doubled}@{domain}",
    "{local}.@{domain}",
)


@dataclass(frozen=True)
class Person:
    """What KRR generation needs to know about everyone (arrays over people)."""

    age_days: np.ndarray
    international: np.ndarray
    given: np.ndarray
    family: np.ndarray
    born_year: np.ndarray


def krr_rows(
    rng: np.random.Generator,
    people: Person,
    couples: tuple[np.ndarray, np.ndarray],
    as_of: datetime.date,
    excluded: np.ndarray,
) -> tuple[np.ndarray, dict[str, list[str]]]:
    """The people who have a KRR row, and the columns of those rows (minus the id).

    People in `excluded` have no row (a stillborn child is never in KRR).
    """
    status = np.where(excluded, NONE, _status(rng, people.age_days))
    aktiv = status == AKTIV
    count = len(status)
    reserved = aktiv & (rng.random(count) < np.where(people.age_days > 75 * YEAR, 0.06, 0.018))
    old = people.age_days >= 80 * YEAR
    email_share = np.where(reserved, 0.6, np.where(old, 0.85, 0.975))
    has_email = aktiv & (rng.random(count) < email_share)
    has_mobile = aktiv & (rng.random(count) < 0.92)

    email = _emails(rng, people, has_email, couples)
    threshold = (as_of - (as_of - relativedelta(months=18))).days
    email_changed, email_confirmed, email_fresh = _contact_dates(
        rng, has_email, people.age_days, threshold
    )
    mobile_changed, mobile_confirmed, mobile_fresh = _contact_dates(
        rng, has_mobile, people.age_days, threshold
    )
    reachable = aktiv & ~reserved & ((has_email & email_fresh) | (has_mobile & mobile_fresh))
    # An e-mail without dates is fresh exactly when KRR says KAN_VARSLES (the spec's rule).
    undated = has_email & (email_changed < 0) & (email_confirmed < 0)
    reachable = np.where(undated, aktiv & ~reserved & email_fresh, reachable)
    rows = np.flatnonzero(status != NONE)
    columns = {
        "reservasjon": np.where(reserved, "JA", "NEI")[rows].tolist(),
        "status": STATUS_NAMES[status[rows]].tolist(),
        "varslingsstatus": np.where(reachable, "KAN_VARSLES", "KAN_IKKE_VARSLES")[rows].tolist(),
        "epostadresse": email[rows].tolist(),
        "epostadresse_oppdatert": _timestamps(rng, email_changed[rows], as_of),
        "epostadresse_sist_verifisert": _timestamps(rng, email_confirmed[rows], as_of),
        "mobiltelefonnummer": _mobiles(rng, has_mobile)[rows].tolist(),
        "mobiltelefonnummer_oppdatert": _timestamps(rng, mobile_changed[rows], as_of),
        "mobiltelefonnummer_sist_verifisert": _timestamps(rng, mobile_confirmed[rows], as_of),
        "spraak": _languages(rng, people.international, aktiv)[rows].tolist(),
    }
    return rows, columns


def _status(rng: np.random.Generator, age_days: np.ndarray) -> np.ndarray:
    """Children are rarely in KRR; of adults 3% are missing, 1% deleted, 2% unregistered."""
    u = rng.random(len(age_days))
    child = np.where(u < 0.55, NONE, IKKE_REGISTRERT)
    teen = np.select([u < 0.2, u < 0.6], [NONE, IKKE_REGISTRERT], AKTIV)
    adult = np.select([u < 0.03, u < 0.04, u < 0.06], [NONE, SLETTET, IKKE_REGISTRERT], AKTIV)
    return np.select([age_days < 13 * YEAR, age_days < 16 * YEAR], [child, teen], adult)


def _contact_dates(
    rng: np.random.Generator, has: np.ndarray, age_days: np.ndarray, threshold: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days before as_of the contact was changed and confirmed (-1: empty), and freshness.

    5% are stale (last touched more than 18 months ago); a few have neither date, and
    then KRR's own varslingsstatus says whether they are fresh.
    """
    count = len(has)
    u = rng.random(count)
    stale = u < 0.05
    undated = has & (u > 0.997)
    latest = np.where(
        stale, threshold + 1 + rng.integers(0, 1500, count), rng.integers(1, threshold + 1, count)
    )
    # Nobody registered contact details before the age of 13.
    since_thirteen = age_days - int(13 * YEAR)
    latest = np.minimum(latest, np.maximum(1, since_thirteen))
    earlier = np.minimum(latest + rng.integers(0, 2500, count), np.maximum(latest, since_thirteen))
    shape = rng.random(count)
    changed = np.where(shape < 0.7, earlier, latest)  # usually confirmed later than changed
    confirmed = np.where(shape < 0.7, latest, np.where(shape < 0.85, -1, latest))
    changed = np.where(has & ~undated, changed, -1)
    confirmed = np.where(has & ~undated, confirmed, -1)
    fresh = np.where(undated, rng.random(count) < 0.5, latest <= threshold)
    return changed, confirmed, fresh


def _timestamps(rng: np.random.Generator, days_ago: np.ndarray, as_of: datetime.date) -> list[str]:
    """ISO 8601 in KRR's two shapes: local with offset (`+02`) or UTC with ms (`Z`).

    Times are between 07:00 and 23:00 Oslo time, so a timestamp's date in Oslo is
    the day it was drawn for, and daylight saving never changes within those hours.
    """
    count = len(days_ago)
    local_day = np.datetime64(as_of, "D") - np.maximum(days_ago, 0)
    offset = _oslo_offset_hours(local_day)
    local = local_day.astype("datetime64[s]") + rng.integers(7 * 3600, 23 * 3600, count)
    utc = local.astype("datetime64[ms]") - offset * 3_600_000 + rng.integers(0, 1000, count)
    zulu = rng.random(count) < 0.4
    local_text = np.datetime_as_string(local, unit="s").tolist()
    utc_text = np.datetime_as_string(utc, unit="ms").tolist()
    return [
        "" if days < 0 else f"{u}Z" if z else f"{t}+0{o}"
        for days, z, t, u, o in zip(
            days_ago.tolist(), zulu.tolist(), local_text, utc_text, offset.tolist(), strict=True
        )
    ]


def _oslo_offset_hours(days: np.ndarray) -> np.ndarray:
    """UTC offset of Europe/Oslo at noon of each day: 1 in winter, 2 in summer."""
    unique, inverse = np.unique(days, return_inverse=True)
    hours = [
        _oslo_offset(datetime.datetime.fromisoformat(f"{day}T12:00"))
        for day in unique.astype(str).tolist()
    ]
    return np.asarray(hours, dtype=np.int64)[inverse]


def _oslo_offset(moment: datetime.datetime) -> int:
    offset = moment.replace(tzinfo=OSLO).utcoffset()
    return int(offset.total_seconds()) // 3600 if offset else 0


def _emails(
    rng: np.random.Generator,
    people: Person,
    has: np.ndarray,
    couples: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Addresses made from names, unique but for a few couples who share one."""
    count = len(has)
    email = np.full(count, "", dtype=object)
    holders = np.flatnonzero(has)
    email[holders] = _made_up_addresses(rng, people, holders)
    first, second = couples
    both = has[first] & has[second]
    sharing = pick(rng, np.flatnonzero(both), rare(count, 0.002, 2))
    shared_first, shared_second = first[sharing], second[sharing]
    # Half of them typed it with other capitals: the same address all the same.
    recased = rng.random(len(sharing)) < 0.5
    email[shared_second] = [
        _capitalised(address) if change else address
        for address, change in zip(email[shared_first], recased.tolist(), strict=True)
    ]
    single_users = np.setdiff1d(holders, np.concatenate([shared_first, shared_second]))
    for n, index in enumerate(pick(rng, single_users, rare(count, 0.001, 6)).tolist()):
        email[index] = _broken(email[index], BROKEN[n % len(BROKEN)])
    return email


def _made_up_addresses(rng: np.random.Generator, people: Person, holders: np.ndarray) -> list[str]:
    count = len(holders)
    keep = (rng.random(count) < 0.05).tolist()  # some keep æøå: valid, internationalised
    pattern = rng.choice(8, size=count, p=[0.40, 0.14, 0.12, 0.08, 0.05, 0.10, 0.06, 0.05])
    domain = np.asarray(EMAIL_DOMAINS, dtype=object)[
        rng.choice(len(EMAIL_DOMAINS), size=count, p=EMAIL_DOMAIN_SHARES)
    ]
    number = rng.integers(1, 100, count)
    year = people.born_year[holders] % 100
    given = people.given[holders].tolist()
    family = people.family[holders].tolist()
    # Names repeat a lot: fold each distinct name once.
    plain = {name: email_local(name, keep_letters=False) for name in {*given, *family}}
    native = {name: email_local(name, keep_letters=True) for name in {*given, *family}}
    capitals = (rng.random(count) < 0.02).tolist()  # Ola.Nordmann@...: the same address
    names = zip(given, family, keep, strict=True)
    choices = zip(pattern.tolist(), domain.tolist(), number.tolist(), year.tolist(), strict=True)
    addresses = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}  # a namesake has it: ola.hansen2, ola.hansen3, ...
    for (first, last, k), (p, d, n, y), c in zip(names, choices, capitals, strict=True):
        fold = native if k else plain
        base = f"{_local_part(fold[first], fold[last], p, n, y)}@{d}"
        local, address = base.partition("@")[0], base
        suffix = next_suffix.get(base, 2)
        while address in taken:
            address = f"{local}{suffix}@{d}"
            suffix += 1
        next_suffix[base] = suffix
        taken.add(address)
        addresses.append(_capitalised(address) if c else address)
    return addresses


def _local_part(first: str, last: str, pattern: int, number: int, year: int) -> str:
    """The common shapes: ola.nordmann, olanordmann, ola.nordmann84, o.nordmann, ..."""
    if pattern == 0:
        return f"{first}.{last}"
    if pattern == 1:
        return f"{first}{last}"
    if pattern == 2:
        return f"{first}.{last}{year:02d}"
    if pattern == 3:
        return f"{first[0]}.{last}"
    if pattern == 4:
        return f"{first}_{last}"
    if pattern == 5:
        return f"{first}{number}"
    if pattern == 6:
        return f"{last}.{first}"
    return f"{first}.{last}{number}"


def _capitalised(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local.title()}@{domain}"


def _broken(address: str, template: str) -> str:
    local, _, domain = address.partition("@")
    parts = local.split(".")
    spaced = " ".join(parts) if len(parts) > 1 else f"{local[:1]} {local[1:]}"
    doubled = "..".join(parts) if len(parts) > 1 else f"{local[:1]}..{local[1:]}"
    host = domain.split(".")[0]
    return template.format(local=local, domain=domain, spaced=spaced, doubled=doubled, host=host)


def _mobiles(rng: np.random.Generator, has: np.ndarray) -> np.ndarray:
    """Phone numbers shaped like Norwegian ones (+47 and eight digits), but starting with
    0, which no subscriber number does: synthetic data must not reach a real phone."""
    count = len(has)
    rest = rng.integers(0, 10_000_000, count)
    numbers = np.full(count, "", dtype=object)
    index = np.flatnonzero(has)
    numbers[index] = [f"+470{b:07d}" for b in rest[index].tolist()]
    return numbers


def _languages(
    rng: np.random.Generator, international: np.ndarray, aktiv: np.ndarray
) -> np.ndarray:
    """Mostly bokmål; nynorsk, English, Northern Sami, and some unknown."""
    codes = np.array(["nb", "nn", "en", "se", ""], dtype=object)
    count = len(international)
    norwegian = rng.choice(5, size=count, p=[0.80, 0.085, 0.035, 0.006, 0.074])
    abroad = rng.choice(5, size=count, p=[0.70, 0.01, 0.15, 0.0, 0.14])
    return np.where(aktiv, codes[np.where(international, abroad, norwegian)], "")

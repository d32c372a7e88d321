"""A synthetic registry folder: the four exports of registry-exports.md, Oslo-like.

`generate_registry` writes `personer.csv`, `familierelasjoner.csv`, `krr.csv` and
`adresser.csv` for a made-up Oslo of `people` residents, with every case that the
campaigns must handle: babies and their parents, the newly moved, the bereaved,
the protected, the unreachable. The same (people, seed, as_of) gives the same bytes.
Every identifier is a synthetic Tenor number (month + 80): no real person is in it.

The parts live in their own modules: `people` (households, relations), `personal`
(identifiers, names, status, moves), `places` (streets, addresses), `krr` (contact
information), `names` (word lists) and `files` (writing the CSV files).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from dateutil.relativedelta import relativedelta

from proaktive.errors import Location, RegistryError
from proaktive.synthetic import files, krr, personal
from proaktive.synthetic.people import (
    BARN,
    DOEDFOEDT,
    FAMILY,
    FAR,
    MOR,
    SINGLE,
    SOESKEN,
    YEAR,
    Households,
    Relations,
    adult_children,
    household_relations,
    make_households,
)
from proaktive.synthetic.personal import pick, rare
from proaktive.synthetic.places import (
    DISTRICT_NUMBERS,
    Addresses,
    assign_dwellings,
    place_addresses,
)

OSLO = "0301"
_STREAMS = ("people", "places", "personal", "names", "krr", "order")


@dataclass(frozen=True)
class GeneratedRegistry:
    """What was written: the folder and the number of data rows in each file."""

    folder: Path
    people: int  # rows in personer.csv
    relations: int  # rows in familierelasjoner.csv
    krr_rows: int  # rows in krr.csv
    addresses: int  # rows in adresser.csv
    seed: int
    as_of: datetime.date


@dataclass(frozen=True)
class _Population:
    """Households and everyone in them; per-person arrays in generation order."""

    households: Households
    slot_person: np.ndarray  # (households, SLOTS): person index, or -1
    household: np.ndarray
    slot: np.ndarray
    female: np.ndarray
    age_days: np.ndarray
    stillborn: np.ndarray  # people whose row is a stillborn child's (status doed)


@dataclass(frozen=True)
class _Homes:
    addresses: Addresses
    address: np.ndarray  # per household: index into addresses, -1 for no known dwelling
    unit: np.ndarray  # per household: floor * 100 + flat, 0 for a house


def generate_registry(
    folder: Path,
    *,
    people: int,
    seed: int,
    as_of: datetime.date,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> GeneratedRegistry:
    """Write a synthetic registry of `people` persons into `folder` (created if missing).

    A folder that already holds export files is refused unless `overwrite`: it
    may be a real registry folder, and synthetic data must never replace it by mistake.
    """
    if people < 1:
        raise RegistryError(f"cannot generate a registry of {people} people: at least 1 is needed")
    present = [name for name in files.FILES if (folder / name).exists()]
    if present and not overwrite:
        raise RegistryError(
            f"the folder already holds {', '.join(present)}; generating would overwrite them",
            Location(folder),
            hint="choose an empty folder, or add --overwrite to replace them with synthetic data",
        )
    report = progress or _silent
    rngs = dict(zip(_STREAMS, np.random.default_rng(seed).spawn(len(_STREAMS)), strict=True))

    report(f"households for {people:,} people")
    population = _population(rngs["people"], people, as_of)
    report("streets and addresses inside the district boundaries")
    homes = _homes(rngs["places"], population.households, people)
    report("status, moves, family relations, identifiers and names")
    persons, relations, ids = _persons(rngs["personal"], rngs["names"], population, homes, as_of)
    report("KRR contact information")
    krr_index, krr_columns = _krr(rngs["krr"], population, persons, as_of)

    folder.mkdir(parents=True, exist_ok=True)
    count = len(population.age_days)
    order = rngs["order"].permutation(count)  # a register's export is in no useful order
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    paths = {name: folder / name for name in files.FILES}
    report(f"writing {paths['personer.csv']}")
    files.write_people(paths["personer.csv"], ids, persons, order)
    report(f"writing {paths['familierelasjoner.csv']}")
    files.write_relations(paths["familierelasjoner.csv"], ids, relations, rank)
    report(f"writing {paths['krr.csv']}")
    files.write_krr(paths["krr.csv"], ids, krr_index, krr_columns, rank)
    report(f"writing {paths['adresser.csv']}")
    files.write_addresses(paths["adresser.csv"], rngs["places"], homes.addresses)
    return GeneratedRegistry(
        folder=folder,
        people=count,
        relations=len(relations.person),
        krr_rows=len(krr_index),
        addresses=len(homes.addresses.x),
        seed=seed,
        as_of=as_of,
    )


def _silent(message: str) -> None:
    del message


def _krr(
    rng: np.random.Generator,
    population: _Population,
    persons: dict[str, np.ndarray],
    as_of: datetime.date,
) -> tuple[np.ndarray, dict[str, list[str]]]:
    people = krr.Person(
        age_days=population.age_days,
        international=population.households.international[population.household],
        given=persons["fornavn"],
        family=persons["etternavn"],
        born_year=persons["foedselsdato"].astype("datetime64[Y]").astype(np.int64) + 1970,
    )
    excluded = np.zeros(len(population.age_days), dtype=bool)
    excluded[population.stillborn] = True  # a stillborn child is never in KRR
    couples = personal.couples(population.households, population.slot_person)
    return krr.krr_rows(rng, people, couples, as_of, excluded)


# --- people -------------------------------------------------------------------------------


def _population(rng: np.random.Generator, people: int, as_of: datetime.date) -> _Population:
    """Households for exactly `people` rows, one of them a stillborn child's (from 1,000)."""
    stillborn_rows = 1 if people >= 1000 else 0
    households = make_households(rng, people - stillborn_rows)
    households, stillborn_places = _add_stillborn_child(rng, households, stillborn_rows, as_of)
    filled = households.age_days >= 0
    slot_person = np.full(filled.shape, -1, dtype=np.int64)
    slot_person[filled] = np.arange(int(filled.sum()))
    household, slot = np.nonzero(filled)
    age_days = households.age_days[filled]
    _leap_day_births(rng, age_days, households.kind[household] == SINGLE, as_of)
    return _Population(
        households=households,
        slot_person=slot_person,
        household=household,
        slot=slot,
        female=households.female[filled],
        age_days=age_days,
        stillborn=slot_person[stillborn_places],
    )


def _add_stillborn_child(
    rng: np.random.Generator, households: Households, count: int, as_of: datetime.date
) -> tuple[Households, tuple[np.ndarray, np.ndarray]]:
    """A stillborn child of four months ago, in a free child place of a two-parent family.

    Four months, because that is what a "your baby is four months" campaign looks for:
    the child's parents must never get it.
    """
    free = households.age_days[:, 2:] < 0
    free_place = free.argmax(axis=1) + 2
    has_room = np.asarray(free.any(axis=1), dtype=bool)
    chosen = pick(rng, _young_two_parent_families(households, has_room), count)
    born = [as_of - relativedelta(months=4, days=int(rng.integers(0, 26))) for _ in chosen]
    age_days = households.age_days.copy()
    age_days[chosen, free_place[chosen]] = [(as_of - day).days for day in born]
    return dataclasses.replace(households, age_days=age_days), (chosen, free_place[chosen])


def _young_two_parent_families(households: Households, extra: np.ndarray) -> np.ndarray:
    mother_years = households.age_days[:, 0] / YEAR
    fits = (households.kind == FAMILY) & households.parent[:, 1] & extra
    return np.flatnonzero(fits & (mother_years >= 22) & (mother_years <= 44))


def _leap_day_births(
    rng: np.random.Generator, age_days: np.ndarray, living_alone: np.ndarray, as_of: datetime.date
) -> None:
    """Move some adults' birthdays to 29 February (of a leap year near their birth)."""
    adults = np.flatnonzero(living_alone & (age_days >= 20 * YEAR) & (age_days <= 90 * YEAR))
    for person in pick(rng, adults, rare(len(age_days), 0.0005, 3)).tolist():
        year = (as_of - datetime.timedelta(days=int(age_days[person]))).year
        while not calendar.isleap(year):
            year -= 1
        age_days[person] = (as_of - datetime.date(year, 2, 29)).days


def _homes(rng: np.random.Generator, households: Households, people: int) -> _Homes:
    homeless = personal.without_address(rng, households, people)
    district = np.where(homeless, -1, households.district)
    needed = np.bincount(district[district >= 0], minlength=len(DISTRICT_NUMBERS))
    addresses = place_addresses(rng, needed)
    address, unit = assign_dwellings(rng, addresses, district)
    return _Homes(addresses, address, unit)


def _persons(
    rng: np.random.Generator,
    rng_names: np.random.Generator,
    population: _Population,
    homes: _Homes,
    as_of: datetime.date,
) -> tuple[dict[str, np.ndarray], Relations, list[str]]:
    """Every column of personer.csv, the relations, and the identifiers they use.

    Identifiers past the people are stillborn children without a row of their own.
    """
    households, household = population.households, population.household
    fixed = np.zeros(len(household), dtype=bool)
    fixed[population.stillborn] = True
    status = personal.statuses(
        rng, households, household, population.slot, population.age_days, fixed
    )
    status[population.stillborn] = "doed"
    grade = personal.gradering(rng, households, len(household))[household]
    since, previous_kommune, previous_bydel = personal.moves(
        rng, households, household, population.age_days
    )
    since[population.stillborn] = -1  # a stillborn child never lived anywhere
    previous_kommune[population.stillborn] = ""
    previous_bydel[population.stillborn] = ""
    relations, extra_born = _relations(rng, population, as_of)

    born = np.datetime64(as_of, "D") - population.age_days
    all_born = np.concatenate([born, extra_born])
    female = np.concatenate([population.female, rng.random(len(extra_born)) < 0.5])
    d_number = np.isin(status, personal.D_NUMBER_STATUSES)
    d_number = np.concatenate([d_number, np.zeros(len(extra_born), dtype=bool)])
    ids = personal.make_identifiers(rng, all_born, female, d_number)

    given, middle, family = _names(rng_names, population, born, relations)
    columns = _address_columns(population, homes, status, grade)
    columns |= {
        "fornavn": given,
        "mellomnavn": middle,
        "etternavn": family,
        "foedselsdato": born,
        "status": status,
        "adressegradering": grade,
        "flyttedato": np.where(
            since >= 0, np.datetime_as_string(np.datetime64(as_of, "D") - since), ""
        ),
        "forrige_kommunenummer": previous_kommune,
        "forrige_bydelsnummer": previous_bydel,
    }
    return columns, relations, ids


def _relations(
    rng: np.random.Generator, population: _Population, as_of: datetime.date
) -> tuple[Relations, np.ndarray]:
    """All family relations, and birth dates of stillborn children without a row."""
    households, slot_person = population.households, population.slot_person
    age_years = np.floor(population.age_days / YEAR).astype(np.int64)
    parts = [
        household_relations(rng, households, slot_person),
        adult_children(rng, households, slot_person, population.household, age_years),
    ]
    person = np.concatenate([p.person for p in parts])
    related = np.concatenate([p.related for p in parts])
    role = np.concatenate([p.role for p in parts])
    # The stillborn child with a row: its parents say doedfoedtBarn; it says nothing.
    stillborn = np.isin(related, population.stillborn)
    role = np.where(stillborn & (role == BARN), DOEDFOEDT, role)
    keep = ~np.isin(person, population.stillborn) & ~(stillborn & (role == SOESKEN))
    person, related, role = person[keep], related[keep], role[keep]

    # Stillborn children without a row: identifiers that only the relation knows.
    extra = rare(len(population.age_days), 0.0003, 2) - len(population.stillborn)
    taken = np.zeros(len(households.kind), dtype=bool)
    taken[population.household[population.stillborn]] = True
    families = pick(rng, _young_two_parent_families(households, ~taken), extra)
    extra_index = len(population.age_days) + np.arange(len(families))
    for adult in (0, 1):
        parent = slot_person[families, adult]
        person = np.concatenate([person, parent])
        related = np.concatenate([related, extra_index])
        role = np.concatenate([role, np.full(len(parent), DOEDFOEDT)])
    extra_born = np.datetime64(as_of, "D") - rng.integers(30, 700, len(families))
    return Relations(person, related, role), extra_born


def _names(
    rng: np.random.Generator, population: _Population, born: np.ndarray, relations: Relations
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    households, household = population.households, population.household
    international = households.international[household]
    born_year = born.astype("datetime64[Y]").astype(np.int64) + 1970
    given = personal.given_names(rng, population.female, born_year, international)
    middle = personal.middle_names(rng, international)
    family = personal.family_names(rng, households)[household, population.slot]
    # A grown-up child living elsewhere often still has a parent's family name.
    to_parent = (relations.role == MOR) | (relations.role == FAR)
    child, first = np.unique(relations.person[to_parent], return_index=True)
    parent = relations.related[to_parent][first]
    elsewhere = household[child] != household[parent]
    inherit = elsewhere & (rng.random(len(child)) < 0.6)
    family[child[inherit]] = family[parent[inherit]]
    return given, middle, family


def _address_columns(
    population: _Population, homes: _Homes, status: np.ndarray, grade: np.ndarray
) -> dict[str, np.ndarray]:
    """The home address of each person, empty where Freg would show none.

    No address: emigrated and similar statuses, strengtFortrolig (Freg does not give
    it out), the few registered without a dwelling, and stillborn children.
    """
    households, household = population.households, population.household
    address = homes.address[household]
    unit = homes.unit[household]
    gone = np.isin(status, personal.WITHOUT_ADDRESS) | (grade == "strengtFortrolig")
    stillborn = np.zeros(len(household), dtype=bool)
    stillborn[population.stillborn] = True
    has = (address >= 0) & ~gone & ~stillborn
    at = np.where(has, address, 0)
    places = homes.addresses
    names = np.asarray(places.street_names, dtype=object)[places.street[at]]
    district = np.asarray(DISTRICT_NUMBERS, dtype=object)[households.district[household]]
    return {
        "kommunenummer": np.full(len(household), OSLO, dtype=object),
        "bydelsnummer": np.where(gone | stillborn, "", district),
        "adressenavn": np.where(has, names, ""),
        "husnummer": np.where(has, places.number[at].astype(str), ""),
        "husbokstav": np.where(has, places.letter[at], ""),
        "bruksenhetsnummer": np.where(
            has & (unit > 0), np.char.add("H", np.char.zfill(unit.astype(str), 4)), ""
        ),
        "postnummer": np.where(has, places.postcode[at], ""),
        "poststed": np.where(has, "OSLO", ""),
        "adresse_id": np.where(has, places.address_id[at].astype(str), ""),
    }

"""What Folkeregisteret records about each synthetic person.

Identifiers, names, status, address protection and moves, each drawn as arrays
over all people (or households) at once.
"""

from __future__ import annotations

import numpy as np

from proaktive.registry.identifiers import K1_WEIGHTS, K2_WEIGHTS
from proaktive.synthetic.names import (
    FAMILY_NAMES,
    FAMILY_NAMES_INTERNATIONAL,
    FEMALE_NAMES,
    FEMALE_NAMES_INTERNATIONAL,
    MALE_NAMES,
    MALE_NAMES_INTERNATIONAL,
    popularity,
    words,
)
from proaktive.synthetic.people import (
    COUPLE,
    FAMILY,
    SHARED,
    SINGLE,
    SINGLE_PARENT,
    SLOTS,
    YEAR,
    Households,
)
from proaktive.synthetic.places import DISTRICT_NUMBERS, DISTRICT_PROFILES


def rare(people: int, rate: float, minimum: int = 1) -> int:
    """How many people get a rare trait: at least `minimum` in a registry of 1,000+."""
    count = round(people * rate)
    return max(minimum, count) if people >= 1000 else count


def pick(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    """Up to `count` distinct items of `pool`, at random, in pool order."""
    if count <= 0 or len(pool) == 0:
        return pool[:0]
    return np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))


# --- identifiers ------------------------------------------------------------------------


def make_identifiers(
    rng: np.random.Generator, born: np.ndarray, female: np.ndarray, d_number: np.ndarray
) -> list[str]:
    """Unique, valid synthetic identifiers (Tenor: month + 80) for these birth dates.

    The individual number follows the century ranges and makes the ninth digit even
    for women; one number in a hundred uses one of the k1 rules added for 2032. The
    check digits use the weights of `proaktive.registry.identifiers`, vectorised.
    """
    years = born.astype("datetime64[Y]").astype(np.int64) + 1970
    months = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
    head = (days + 40 * d_number) * 10_000 + (months + 80) * 100 + years % 100
    values = np.full(len(born), -1, dtype=np.int64)
    taken: set[int] = set()
    pending = np.arange(len(born))
    while len(pending):
        candidate = _candidates(rng, head[pending], years[pending], female[pending])
        # Keep a valid number nobody has yet; those who got none draw again.
        accepted = np.zeros(len(pending), dtype=bool)
        for index, value in enumerate(candidate.tolist()):
            if value >= 0 and value not in taken:
                taken.add(value)
                accepted[index] = True
        values[pending[accepted]] = candidate[accepted]
        pending = pending[~accepted]
    return [f"{value:011d}" for value in values.tolist()]


def _candidates(
    rng: np.random.Generator, head: np.ndarray, years: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """One draw of a full number per person (DDMMYY given), -1 where no check digit fits."""
    first_nine = head * 1000 + _individual_numbers(rng, years, female)
    remainder = np.where(rng.random(len(head)) < 0.01, rng.integers(1, 4, len(head)), 0)
    digits = (first_nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    k1 = (remainder - digits @ np.array(K1_WEIGHTS)) % 11
    k2 = -(digits @ np.array(K2_WEIGHTS[:9]) + K2_WEIGHTS[9] * k1) % 11
    return np.where((k1 != 10) & (k2 != 10), first_nine * 100 + k1 * 10 + k2, -1)


def _individual_numbers(
    rng: np.random.Generator, years: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """000-499 for 1900-1999 (900-999 too from 1940), 500-999 from 2000."""
    late_range = (years >= 1940) & (years < 2000) & (rng.random(len(years)) < 0.1)
    low = np.where(years >= 2000, 500, np.where(late_range, 900, 0))
    pairs = np.where(late_range, 50, 250)
    return low + 2 * rng.integers(0, pairs) + (~female).astype(np.int64)


# --- names ------------------------------------------------------------------------------


def given_names(
    rng: np.random.Generator, female: np.ndarray, born_year: np.ndarray, international: np.ndarray
) -> np.ndarray:
    """A given name fitting each person's sex, generation and family background."""
    generation = np.digitize(born_year, [1960, 1995])
    names = np.empty(len(female), dtype=object)
    groups: list[tuple[np.ndarray, tuple[str, ...]]] = [
        (international & female, FEMALE_NAMES_INTERNATIONAL),
        (international & ~female, MALE_NAMES_INTERNATIONAL),
    ]
    for g in range(3):
        groups.append((~international & female & (generation == g), FEMALE_NAMES[g]))
        groups.append((~international & ~female & (generation == g), MALE_NAMES[g]))
    for members, pool in groups:
        names[members] = _draw(rng, pool, int(members.sum()))
    return names


def _draw(rng: np.random.Generator, pool: tuple[str, ...], count: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.choice(len(pool), count, p=popularity(len(pool)))]


def family_names(rng: np.random.Generator, households: Households) -> np.ndarray:
    """(households, SLOTS) family names: partners often share one, children take one."""
    count = len(households.kind)
    international = households.international
    first = _family_name(rng, international)
    second = np.where(rng.random(count) < 0.55, first, _family_name(rng, international))
    from_second = households.parent[:, 1] & (rng.random(count) < 0.5)
    names = np.empty((count, SLOTS), dtype=object)
    names[:, 0] = first
    names[:, 1] = second
    for slot in range(2, SLOTS):
        names[:, slot] = np.where(from_second, second, first)
    shared = np.flatnonzero(households.kind == SHARED)
    for slot in range(1, 4):  # flatmates are not family
        names[shared, slot] = _family_name(rng, international[shared])
    return names


def _family_name(rng: np.random.Generator, international: np.ndarray) -> np.ndarray:
    norwegian = _draw(rng, FAMILY_NAMES, len(international))
    abroad = _draw(rng, FAMILY_NAMES_INTERNATIONAL, len(international))
    return np.where(international, abroad, norwegian)


def middle_names(rng: np.random.Generator, international: np.ndarray) -> np.ndarray:
    """Some Norwegians carry a second family name as mellomnavn (Kari Berg Hansen)."""
    has_one = ~international & (rng.random(len(international)) < 0.12)
    return np.where(has_one, _draw(rng, FAMILY_NAMES, len(international)), "")


# --- status and address protection --------------------------------------------------------

# Statuses other than bosatt, with their share of people. Those in WITHOUT_ADDRESS have left
# no address in Oslo; D-nummer holders (midlertidig, inaktiv, aktiv) get day + 40.
OTHER_STATUSES = {
    "utflyttet": 0.009,
    "ikkeBosatt": 0.001,
    "opphoert": 0.0003,
    "forsvunnet": 0.0002,
    "midlertidig": 0.0015,
    "inaktiv": 0.0005,
    "aktiv": 0.0005,
}
WITHOUT_ADDRESS = ("utflyttet", "ikkeBosatt", "opphoert")
D_NUMBER_STATUSES = ("midlertidig", "inaktiv", "aktiv")


def statuses(
    rng: np.random.Generator,
    households: Households,
    person_household: np.ndarray,
    person_slot: np.ndarray,
    age_days: np.ndarray,
    fixed: np.ndarray,
) -> np.ndarray:
    """Nearly everyone `bosatt`; the dead, the emigrated and the rest in small numbers.

    Children who died are chosen among the children of living parents, half of them
    babies of three to five months: the case a baby campaign must never reach. People
    in `fixed` keep `bosatt` here (the caller decides for them).
    """
    count = len(age_days)
    status = np.full(count, "bosatt", dtype=object)
    kind = households.kind[person_household]
    is_child = (person_slot >= 2) & ((kind == FAMILY) | (kind == SINGLE_PARENT))
    adult = ~is_child & (age_days >= 18 * YEAR)
    free = ~fixed

    def assign(pool: np.ndarray, number: int, value: str) -> None:
        chosen = pick(rng, np.flatnonzero(pool & free), number)
        status[chosen] = value
        free[chosen] = False

    baby = is_child & (age_days >= 90) & (age_days <= 165)
    assign(baby, rare(count, 0.0002), "doed")
    assign(is_child, rare(count, 0.0002), "doed")
    assign(adult & (age_days >= 60 * YEAR), rare(count, 0.0035), "doed")
    assign(adult, rare(count, 0.0003), "doed")
    newborn = is_child & (age_days <= 10)
    assign(newborn, max(1, round(int(newborn.sum()) * 0.3)), "foedselsregistrert")
    # Statuses that empty an address are for people living alone or in shared flats.
    alone = adult & ((kind == SINGLE) | (kind == SHARED))
    for value, rate in OTHER_STATUSES.items():
        young = age_days < 50 * YEAR if value == "utflyttet" else True
        assign(alone & young, rare(count, rate), value)
    return status


def gradering(rng: np.random.Generator, households: Households, people: int) -> np.ndarray:
    """Per household: mostly empty or ugradert, rarely fortrolig or strengtFortrolig."""
    count = len(households.kind)
    grade = np.where(rng.random(count) < 0.3, "ugradert", "").astype(object)
    free = np.flatnonzero(households.kind != SHARED)
    for value, rate in (
        ("fortrolig", 0.0014),
        ("strengtFortrolig", 0.0005),
        ("klientadresse", 0.0002),
    ):
        chosen = pick(rng, free, rare(people, rate * 0.55))  # per household, ~1.8 people each
        grade[chosen] = value
        free = np.setdiff1d(free, chosen)
    return grade


def without_address(rng: np.random.Generator, households: Households, people: int) -> np.ndarray:
    """Households registered in Oslo without a known dwelling (no adresse_id)."""
    chosen = pick(rng, np.flatnonzero(households.kind == SINGLE), rare(people, 0.004))
    mask = np.zeros(len(households.kind), dtype=bool)
    mask[chosen] = True
    return mask


# --- moves ------------------------------------------------------------------------------

SAME_DISTRICT, OTHER_DISTRICT, OTHER_MUNICIPALITY, ABROAD = range(4)
# Where people move to Oslo from: its neighbours first, then the other cities.
MUNICIPALITIES = words(
    "3201 3203 3205 3207 3209 3301 4601 5001 1103 4204 5501 3403 3905 3107 3103 1108 1508 3907"
)
MUNICIPALITY_WEIGHTS = np.array([14, 8, 9, 7, 4, 5, 9, 8, 6, 4, 3, 3, 3, 3, 2, 2, 2, 2], float)
CITY_DISTRICTS = {"4601": 8, "5001": 4, "1103": 7}  # cities that have bydeler too


def moves(
    rng: np.random.Generator,
    households: Households,
    person_household: np.ndarray,
    age_days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days since each person moved in (-1: unknown), previous kommune and bydel.

    A household moves in together; a child born after that has lived there since
    birth and has no previous address. Moves before the 1990s are often unrecorded.
    """
    count = len(households.kind)
    u = rng.random(count)
    days = np.where(
        u < 0.22,
        rng.exponential(700, count),
        np.where(u < 0.6, rng.exponential(2900, count), rng.uniform(0, 40 * YEAR, count)),
    ).astype(np.int64)
    abroad = np.where(households.international, 0.25, 0.08)
    u = rng.random(count)
    origin = np.select(
        [u < 0.30, u < 0.62, u < 1 - abroad],
        [SAME_DISTRICT, OTHER_DISTRICT, OTHER_MUNICIPALITY],
        ABROAD,
    )
    kommune, bydel = _previous_places(rng, households.district, origin)
    unrecorded = (days > 30 * YEAR) & (rng.random(count) < 0.5)

    since = days[person_household]
    born_here = since >= age_days
    since = np.where(born_here, age_days, since)
    no_previous = born_here | unrecorded[person_household]
    since = np.where(unrecorded[person_household], -1, since)
    kommune = np.where(no_previous, "", kommune[person_household])
    bydel = np.where(no_previous, "", bydel[person_household])
    return since, kommune.astype(object), bydel.astype(object)


def _previous_places(
    rng: np.random.Generator, district: np.ndarray, origin: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    count = len(district)
    numbers = np.asarray(DISTRICT_NUMBERS, dtype=object)
    shares = np.array([p.population_share for p in DISTRICT_PROFILES])
    other = rng.choice(len(numbers), size=count, p=shares / shares.sum())
    other = np.where(other == district, (other + 1) % len(numbers), other)
    which = rng.choice(
        len(MUNICIPALITIES), count, p=MUNICIPALITY_WEIGHTS / MUNICIPALITY_WEIGHTS.sum()
    )
    municipality = np.asarray(MUNICIPALITIES, dtype=object)[which]
    # Bergen, Trondheim and Stavanger have bydeler: often known, as 460103 is.
    city_districts = np.array([CITY_DISTRICTS.get(m, 0) for m in MUNICIPALITIES])[which]
    part = np.floor(rng.random(count) * city_districts).astype(np.int64) + 1
    known = (city_districts > 0) & (rng.random(count) < 0.6) & (origin == OTHER_MUNICIPALITY)
    city_district = np.full(count, "", dtype=object)
    city_district[known] = [
        f"{m}{p:02d}" for m, p in zip(municipality[known], part[known].tolist(), strict=True)
    ]
    kommune = np.select(
        [origin == SAME_DISTRICT, origin == OTHER_DISTRICT, origin == OTHER_MUNICIPALITY],
        ["0301", "0301", municipality],
        "",
    )
    bydel = np.select(
        [origin == SAME_DISTRICT, origin == OTHER_DISTRICT, origin == OTHER_MUNICIPALITY],
        [numbers[district], numbers[other], city_district],
        "",
    )
    return kommune.astype(object), bydel.astype(object)


def couples(households: Households, slot_person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two adults of each couple or two-parent family (people who may share an e-mail)."""
    rows = ((households.kind == COUPLE) | (households.kind == FAMILY)) & (slot_person[:, 1] >= 0)
    return slot_person[rows, 0], slot_person[rows, 1]

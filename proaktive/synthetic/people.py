"""Households and the people in them, for the synthetic registry.

People are made household by household, so that a registry looks like a city:
singles and couples, families whose children come at a plausible age of their
parents, students sharing a flat. A household is a row of SLOTS places: the adults
first, then children or housemates; empty places are -1. Everything is an array
over households or over people; nothing loops over people in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from proaktive.synthetic.places import DISTRICT_PROFILES, EAST, INNER, SUBURB

SINGLE, COUPLE, FAMILY, SINGLE_PARENT, SHARED = range(5)
SLOTS = 6  # two adults, then up to four children (or two more housemates)
YEAR = 365.25
MAX_AGE_DAYS = int(101 * YEAR) - 2  # nobody is older than 100

# Household mix (single, couple, family, single parent, shared flat) by kind of
# district: the centre has many singles, the east and the suburbs many families.
HOUSEHOLD_MIX = {
    INNER: (0.55, 0.20, 0.11, 0.05, 0.09),
    SUBURB: (0.36, 0.24, 0.28, 0.07, 0.05),
    EAST: (0.38, 0.18, 0.27, 0.12, 0.05),
}
_MEAN_SIZE = np.array([1.0, 2.0, 3.8, 2.7, 2.8])


@dataclass(frozen=True)
class Households:
    district: np.ndarray  # index into DISTRICT_PROFILES
    kind: np.ndarray  # SINGLE ... SHARED
    international: np.ndarray  # family roots abroad: names from the international lists
    age_days: np.ndarray  # (households, SLOTS): age on as_of in days, -1 = empty
    female: np.ndarray  # (households, SLOTS)
    parent: np.ndarray  # (households, 2): is adult 0 / adult 1 a parent of the children
    partners: np.ndarray  # the two adults are married or registered partners


def make_households(rng: np.random.Generator, people: int) -> Households:
    """Households with exactly `people` people in all (the last one may be cut short)."""
    count = max(8, math.ceil(people / 1.5) + 8)
    while True:
        households = _draw_households(rng, count)
        sizes = (households.age_days >= 0).sum(axis=1)
        if sizes.sum() >= people:
            break
        count *= 2
    last = int(np.searchsorted(np.cumsum(sizes), people))
    keep = slice(0, last + 1)
    age_days = households.age_days[keep].copy()
    # Cut the last household's tail: adults come first, so children go before parents.
    overflow = int(sizes[: last + 1].sum()) - people
    filled = np.flatnonzero(age_days[-1] >= 0)
    if overflow:
        age_days[-1, filled[len(filled) - overflow :]] = -1
    return Households(
        district=households.district[keep],
        kind=households.kind[keep],
        international=households.international[keep],
        age_days=age_days,
        female=households.female[keep],
        parent=households.parent[keep],
        partners=households.partners[keep],
    )


def _draw_households(rng: np.random.Generator, count: int) -> Households:
    profiles = DISTRICT_PROFILES
    mix = np.array([HOUSEHOLD_MIX[p.kind] for p in profiles])
    # Households per district: its share of people over its mean household size.
    weights = np.array([p.population_share for p in profiles]) / (mix @ _MEAN_SIZE)
    district = rng.choice(len(profiles), size=count, p=weights / weights.sum())
    cumulative = np.cumsum(mix, axis=1)[district]
    kind = (rng.random(count)[:, None] > cumulative).sum(axis=1).clip(max=SHARED)
    share = np.array([p.international_share for p in profiles])[district]
    international = rng.random(count) < share

    age = np.full((count, SLOTS), -1.0)
    female = rng.random((count, SLOTS)) < 0.49
    parent = np.zeros((count, 2), dtype=bool)
    _singles(rng, kind == SINGLE, age, female)
    _couples(rng, kind == COUPLE, age, female)
    _families(rng, (kind == FAMILY) | (kind == SINGLE_PARENT), kind, age, female, parent)
    _shared(rng, kind == SHARED, age)
    # Partners of the oldest can come out older than 100: make them 90-100 instead.
    age = np.where(age > MAX_AGE_DAYS, MAX_AGE_DAYS - rng.uniform(0, 10 * YEAR, age.shape), age)
    age_days = np.where(age >= 0, np.floor(age), -1).astype(np.int64)
    partners = ((kind == COUPLE) | (kind == FAMILY)) & (rng.random(count) < 0.65)
    return Households(district, kind, international, age_days, female, parent, partners)


def _years(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """Whole or fractional years as days, spread over the year."""
    return years * YEAR + rng.uniform(0, YEAR, years.shape)


def _adult_years(rng: np.random.Generator, count: int, mix: tuple[float, float]) -> np.ndarray:
    """Young adults (peak near 30), middle-aged, and old: `mix` = (young, middle) shares."""
    young = np.clip(rng.normal(29, 5.5, count), 19, 50)
    middle = rng.uniform(40, 67, count)
    old = 67 + rng.exponential(8, count)
    old = np.where(old >= 100, rng.uniform(67, 90, count), old)  # centenarians are rare
    u = rng.random(count)
    return np.where(u < mix[0], young, np.where(u < mix[0] + mix[1], middle, old))


def _singles(
    rng: np.random.Generator, rows: np.ndarray, age: np.ndarray, female: np.ndarray
) -> None:
    index = np.flatnonzero(rows)
    years = _adult_years(rng, len(index), (0.40, 0.37))
    age[index, 0] = _years(rng, np.floor(years))
    # More old women than old men live alone.
    female[index, 0] = rng.random(len(index)) < np.where(years > 70, 0.7, 0.48)


def _couples(
    rng: np.random.Generator, rows: np.ndarray, age: np.ndarray, female: np.ndarray
) -> None:
    index = np.flatnonzero(rows)
    first = _years(rng, np.floor(_adult_years(rng, len(index), (0.33, 0.42))))
    age[index, 0] = first
    second = first + rng.normal(2.5, 3.5, len(index)) * YEAR
    age[index, 1] = np.where(second < 19 * YEAR, _years(rng, np.full(len(index), 19.0)), second)
    u = rng.random(len(index))
    female[index, 0] = u >= 0.02  # 2% two men,
    female[index, 1] = (u >= 0.02) & (u < 0.05)  # 3% two women, the rest a woman and a man


def _families(
    rng: np.random.Generator,
    rows: np.ndarray,
    kind: np.ndarray,
    age: np.ndarray,
    female: np.ndarray,
    parent: np.ndarray,
) -> None:
    """Children first, then parents old enough to have had them."""
    index = np.flatnonzero(rows)
    n = len(index)
    children = _children(rng, n)
    age[index, 2:] = children
    youngest = children[:, 0]
    oldest = children.max(axis=1)
    # Mother's age when the youngest came; at least 19 when the oldest came.
    at_youngest = np.clip(rng.normal(32.5, 4.5, n), 20, 46)
    at_youngest += np.clip(19 - (at_youngest - (oldest - youngest) / YEAR), 0, None)
    mother = youngest + at_youngest * YEAR
    age[index, 0] = mother
    female[index, 0] = True
    pair = kind[index] == FAMILY
    partner = mother + rng.normal(2.5, 4.0, n) * YEAR
    medmor = rng.random(n) < 0.025  # two mothers: the second is medmor
    partner = np.where(medmor, mother + rng.normal(0, 4.0, n) * YEAR, partner)
    age[index, 1] = np.where(pair, np.maximum(partner, oldest + 19 * YEAR), -1)
    female[index, 1] = medmor
    stepparent = rng.random(n) < 0.08
    parent[index, 0] = True
    parent[index, 1] = pair & ~stepparent
    # One single parent in five is a father.
    father_alone = ~pair & (rng.random(n) < 0.2)
    female[index[father_alone], 0] = False


def _children(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 4) ages in days, youngest first; -1 where there is no child.

    The youngest child's age falls off with the years, so families with small
    children are common. Babies are a little more common than in Oslo (2% of people
    against 1.2%), so that campaigns to parents of babies have recipients to show.
    """
    per_family = rng.choice([1, 2, 3, 4], size=count, p=[0.42, 0.40, 0.14, 0.04])
    years = np.arange(23)
    youngest_weights = np.exp(-years / 10.0)
    youngest_weights[0] *= 1.4
    # Exact shares per year, births spread evenly over each year: every month of every
    # registry has its share of babies, however small the registry.
    youngest_years = _in_proportion(rng, years, youngest_weights / youngest_weights.sum(), count)
    youngest = (youngest_years + _spread_evenly(rng, youngest_years)) * YEAR
    gap_years = rng.choice(8, size=(count, 3), p=[0.02, 0.10, 0.30, 0.27, 0.15, 0.08, 0.05, 0.03])
    # Gap 0 is twins: born the same day.
    gaps = np.where(gap_years == 0, 0.0, gap_years * YEAR + rng.uniform(-150, 150, (count, 3)))
    ages = youngest[:, None] + np.concatenate([np.zeros((count, 1)), gaps.cumsum(axis=1)], axis=1)
    absent = (np.arange(4)[None, :] >= per_family[:, None]) | (ages >= 26 * YEAR)
    return np.where(absent, -1.0, ages)


def _in_proportion(
    rng: np.random.Generator, values: np.ndarray, shares: np.ndarray, count: int
) -> np.ndarray:
    """`count` values in these shares as closely as whole numbers allow, shuffled."""
    exact = shares * count
    counts = np.floor(exact).astype(np.int64)
    short = count - int(counts.sum())
    counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(values, counts))


def _spread_evenly(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """A fraction in [0, 1) for each item, evenly spread within its group, in random order."""
    order = np.lexsort((rng.random(len(groups)), groups))
    ordered = groups[order]
    starts = np.r_[0, np.flatnonzero(ordered[1:] != ordered[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(groups)])
    rank = np.arange(len(groups)) - np.repeat(starts, sizes)
    fraction = np.empty(len(groups))
    fraction[order] = (rank + rng.random(len(groups))) / np.repeat(sizes, sizes)
    return fraction


def _shared(rng: np.random.Generator, rows: np.ndarray, age: np.ndarray) -> None:
    """Students and young workers sharing a flat: two to four of them."""
    index = np.flatnonzero(rows)
    mates = rng.choice([2, 3, 4], size=len(index), p=[0.55, 0.3, 0.15])
    ages = _years(rng, np.floor(rng.uniform(19, 33, (len(index), 4))))
    present = np.arange(4)[None, :] < mates[:, None]
    age[index[:, None], np.array([0, 1, 2, 3])[None, :]] = np.where(present, ages, -1.0)


@dataclass(frozen=True)
class Relations:
    """Family relations between people (indices into the people arrays)."""

    person: np.ndarray
    related: np.ndarray
    role: np.ndarray  # index into ROLES


ROLES = ("barn", "mor", "far", "medmor", "ektefelleEllerPartner", "soesken", "doedfoedtBarn")
BARN, MOR, FAR, MEDMOR, PARTNER, SOESKEN, DOEDFOEDT = range(len(ROLES))


def household_relations(
    rng: np.random.Generator, households: Households, slot_person: np.ndarray
) -> Relations:
    """Parents and children, partners, and siblings in some families.

    `slot_person[h, s]` is the person in slot s of household h, or -1.
    """
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for adult in (0, 1):
        for child in range(2, SLOTS):
            rows = households.parent[:, adult] & (slot_person[:, child] >= 0)
            parents, children = slot_person[rows, adult], slot_person[rows, child]
            role = _parent_role(households.female[rows, adult], adult)
            parts.append((parents, children, np.full(len(parents), BARN)))
            parts.append((children, parents, role))
    together = households.partners & (slot_person[:, 1] >= 0)
    first, second = slot_person[together, 0], slot_person[together, 1]
    parts.append((first, second, np.full(len(first), PARTNER)))
    parts.append((second, first, np.full(len(first), PARTNER)))
    # Freg's sibling rows are not needed by any campaign; some families have them.
    with_siblings = households.parent[:, 0] & (rng.random(len(households.kind)) < 0.3)
    for a in range(2, SLOTS):
        for b in range(2, SLOTS):
            rows = with_siblings & (slot_person[:, a] >= 0) & (slot_person[:, b] >= 0)
            if a != b:
                pair = slot_person[rows, a], slot_person[rows, b]
                parts.append((*pair, np.full(int(rows.sum()), SOESKEN)))
    return _relations(parts)


def _parent_role(female: np.ndarray, adult: int) -> np.ndarray:
    """What a child calls a parent in Freg: a second mother is medmor."""
    mother = MEDMOR if adult == 1 else MOR
    return np.where(female, mother, FAR)


def _relations(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Relations:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Relations(empty, empty, empty)
    return Relations(
        person=np.concatenate([p[0] for p in parts]).astype(np.int64),
        related=np.concatenate([p[1] for p in parts]).astype(np.int64),
        role=np.concatenate([p[2] for p in parts]).astype(np.int64),
    )


def adult_children(
    rng: np.random.Generator,
    households: Households,
    slot_person: np.ndarray,
    person_household: np.ndarray,
    age_years: np.ndarray,
) -> Relations:
    """Grown-up children who live elsewhere, linked to parents of a fitting age.

    Parents are older singles and couples without children at home; children are
    adults of 20-55 living alone, in couples or shared flats. Each child gets one
    parent household; children and parents are paired within a birth year.
    """
    first_age = age_years[slot_person[:, 0]]
    childless = (households.kind == SINGLE) | (households.kind == COUPLE)
    parents = np.flatnonzero(childless & (first_age >= 47) & (rng.random(len(first_age)) < 0.6))
    # The age the child would have now: the parent's age less theirs when it came.
    child_age = first_age[parents] - rng.integers(22, 41, len(parents))

    living_apart = (households.kind != FAMILY) & (households.kind != SINGLE_PARENT)
    candidates = slot_person[living_apart][:, :2].ravel()
    candidates = candidates[candidates >= 0]
    candidates = candidates[(age_years[candidates] >= 20) & (age_years[candidates] <= 55)]
    origin = households.international[person_household]

    def key(age: np.ndarray, international: np.ndarray) -> np.ndarray:
        return age.astype(np.int64) * 2 + international

    parent_index, child_index = _pair_by_key(
        rng,
        key(child_age, households.international[parents]),
        key(age_years[candidates], origin[candidates]),
    )
    chosen_parents, chosen_children = parents[parent_index], candidates[child_index]
    elsewhere = person_household[chosen_children] != chosen_parents
    chosen_parents, chosen_children = chosen_parents[elsewhere], chosen_children[elsewhere]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for adult in (0, 1):
        adult_person = slot_person[chosen_parents, adult]
        # Of a same-sex couple without children at home, only the first is the parent.
        same_sex = households.female[chosen_parents, 0] == households.female[chosen_parents, 1]
        present = (adult_person >= 0) & ((adult == 0) | ~same_sex)
        people, kids = adult_person[present], chosen_children[present]
        parts.append((people, kids, np.full(len(people), BARN)))
        female = households.female[chosen_parents[present], adult]
        parts.append((kids, people, np.where(female, MOR, FAR)))
    return _relations(parts)


def _pair_by_key(
    rng: np.random.Generator, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pair left and right items with equal keys, at random, each used at most once."""
    left_order = np.lexsort((rng.random(len(left)), left))
    right_order = np.lexsort((rng.random(len(right)), right))
    left_code = _rank_code(left[left_order])
    right_code = _rank_code(right[right_order])
    _, left_at, right_at = np.intersect1d(left_code, right_code, return_indices=True)
    return left_order[left_at], right_order[right_at]


def _rank_code(sorted_keys: np.ndarray) -> np.ndarray:
    """key and rank within its key, as one number (keys sorted)."""
    if len(sorted_keys) == 0:
        return sorted_keys.astype(np.int64)
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(sorted_keys)])
    rank = np.arange(len(sorted_keys)) - np.repeat(starts, lengths)
    return sorted_keys.astype(np.int64) * (1 << 32) + rank

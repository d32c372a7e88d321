"""Geography for the synthetic registry: districts, streets, addresses, dwellings.

A street is a straight line inside its district's real boundary (from
`registry/data/oslo-bydeler.geojson`), with odd numbers on one side and even numbers on the
other, so that "everyone within 30 m of this 1 km trench" finds the people of one
street, as it would in Oslo. Geometry is done in metres in UTM 33 (EPSG:25833); every
test "is this inside the district" is done in WGS 84 against the published polygon.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, shape

from proaktive.geo import UTM33, WGS84, transformer
from proaktive.synthetic.names import invented_street_names, known_streets

INNER, SUBURB, EAST = 0, 1, 2


@dataclass(frozen=True)
class DistrictProfile:
    number: str
    population_share: float  # of Oslo's residents (SSB, rounded)
    kind: int  # INNER, SUBURB or EAST: drives household mix and building density
    international_share: float  # households with family roots abroad
    postcodes: tuple[str, ...]


def _codes(*ranges: tuple[int, int]) -> tuple[str, ...]:
    return tuple(f"{code:04d}" for start, end in ranges for code in range(start, end + 1))


DISTRICT_PROFILES: tuple[DistrictProfile, ...] = (
    DistrictProfile("030101", 0.088, INNER, 0.38, _codes((182, 196), (650, 660))),
    DistrictProfile("030102", 0.088, INNER, 0.25, _codes((550, 579))),
    DistrictProfile("030103", 0.064, INNER, 0.20, _codes((450, 477))),
    DistrictProfile("030104", 0.056, INNER, 0.18, _codes((165, 179), (355, 369))),
    DistrictProfile("030105", 0.085, INNER, 0.14, _codes((250, 274), (350, 354))),
    DistrictProfile("030106", 0.049, SUBURB, 0.10, _codes((275, 287), (376, 383))),
    DistrictProfile("030107", 0.071, SUBURB, 0.08, _codes((370, 375), (750, 791))),
    DistrictProfile("030108", 0.076, SUBURB, 0.10, _codes((850, 877))),
    DistrictProfile("030109", 0.049, EAST, 0.35, _codes((580, 598))),
    DistrictProfile("030110", 0.039, EAST, 0.48, _codes((950, 960))),
    DistrictProfile("030111", 0.047, EAST, 0.50, _codes((980, 988))),
    DistrictProfile("030112", 0.069, EAST, 0.48, _codes((661, 671), (1051, 1090))),
    DistrictProfile("030113", 0.071, SUBURB, 0.22, _codes((675, 694))),
    DistrictProfile("030114", 0.072, SUBURB, 0.13, _codes((1150, 1189))),
    DistrictProfile("030115", 0.055, EAST, 0.50, _codes((1250, 1290))),
    # Sentrum has no boundary of its own in the GeoJSON: see `_sentrum`.
    DistrictProfile("030116", 0.002, INNER, 0.25, _codes((150, 164))),
)
DISTRICT_NUMBERS: tuple[str, ...] = tuple(p.number for p in DISTRICT_PROFILES)

_ADDRESSES_PER_STREET = 28
_MIN_STREETS = 3
_SPARE_DWELLINGS = 1.12  # some flats are empty, as in any city
_SENTRUM_CENTRE = (10.7445, 59.9115)  # between Oslo S and Stortinget
_SENTRUM_RADIUS_M = 700.0


@dataclass(frozen=True)
class Addresses:
    """Kartverket's addresses, one entry per (street, number, letter)."""

    district: np.ndarray  # index into DISTRICT_PROFILES
    street: np.ndarray  # index into street_names
    number: np.ndarray
    letter: np.ndarray  # "" or "A", "B", ...
    postcode: np.ndarray
    address_id: np.ndarray  # Kartverket adresseId
    street_code: np.ndarray  # Kartverket adressekode of the street
    dwellings: np.ndarray  # how many households the address can hold
    x: np.ndarray  # EPSG:25833 easting
    y: np.ndarray  # EPSG:25833 northing
    street_names: tuple[str, ...]


@lru_cache(maxsize=1)
def district_boundaries() -> tuple[Any, ...]:
    """Each district's area in WGS 84 (lon/lat), repaired, in DISTRICT_PROFILES order."""
    text = (resources.files("proaktive.registry") / "data" / "oslo-bydeler.geojson").read_text(
        encoding="utf-8"
    )
    by_number = {}
    for feature in json.loads(text)["features"]:
        geometry = shapely.force_2d(shape(feature["geometry"]))
        # The published rings intersect themselves after rounding: repair, keep the areas.
        parts = shapely.get_parts(shapely.make_valid(geometry))
        polygons = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        by_number["0301" + feature["properties"]["id"]] = shapely.union_all(polygons)
    boundaries = [by_number[number] for number in DISTRICT_NUMBERS[:-1]]
    boundaries.append(_sentrum(boundaries[0], boundaries[3]))
    for boundary in boundaries:
        shapely.prepare(boundary)
    return tuple(boundaries)


def _sentrum(gamle_oslo: Any, st_hanshaugen: Any) -> Any:
    """Sentrum: a circle round the centre, within Gamle Oslo and St. Hanshaugen."""
    x, y = transformer(WGS84, UTM33).transform(*_SENTRUM_CENTRE)
    circle_utm = Point(x, y).buffer(_SENTRUM_RADIUS_M)
    circle = shapely.transform(circle_utm, _to_wgs84, interleaved=False)
    return shapely.intersection(circle, shapely.union(gamle_oslo, st_hanshaugen))


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = transformer(UTM33, WGS84).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def _to_utm33(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = transformer(WGS84, UTM33).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _inside(district: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    lon, lat = _to_wgs84(x, y)
    return np.asarray(shapely.contains_xy(district_boundaries()[district], lon, lat))


def _dwellings_per_address(rng: np.random.Generator, kind: int, count: int) -> np.ndarray:
    """Flats per address: blocks in the centre, houses and blocks in the suburbs."""
    median = {INNER: 10.0, SUBURB: 7.0, EAST: 14.0}[kind]
    house_share = {INNER: 0.03, SUBURB: 0.5, EAST: 0.25}[kind]
    blocks = np.clip(np.rint(rng.lognormal(math.log(median), 0.6, count)), 2, 60)
    houses = rng.choice([1, 2], size=count, p=[0.75, 0.25])
    return np.where(rng.random(count) < house_share, houses, blocks).astype(np.int64)


def _capacities(rng: np.random.Generator, kind: int, needed: int) -> np.ndarray:
    """Addresses (as their dwelling counts) enough for `needed` households, with spare."""
    target = math.ceil(needed * _SPARE_DWELLINGS) + 2
    capacities = _dwellings_per_address(rng, kind, max(8, target // 4))
    while capacities.sum() < target:
        capacities = np.concatenate([capacities, _dwellings_per_address(rng, kind, 64)])
    return capacities[: int(np.searchsorted(np.cumsum(capacities), target)) + 1]


def place_addresses(rng: np.random.Generator, households: np.ndarray) -> Addresses:
    """Streets and addresses for `households[d]` households in each district d."""
    capacities = [
        _capacities(rng, profile.kind, int(households[d]))
        for d, profile in enumerate(DISTRICT_PROFILES)
    ]
    street_counts = _street_counts([len(c) for c in capacities])
    names, postcodes = _street_names(rng, street_counts)
    parts = [
        _district_addresses(rng, d, capacities[d], first, street_counts[d])
        for d, first in enumerate(np.cumsum([0, *street_counts[:-1]]))
    ]
    columns = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    for d in range(len(DISTRICT_PROFILES)):
        _fill_shortfall(rng, columns, d, int(households[d]))
    count = len(columns["x"])
    street_codes = rng.choice(90_000, size=len(names), replace=False) + 10_000
    return Addresses(
        district=columns["district"],
        street=columns["street"],
        number=columns["number"],
        letter=columns["letter"],
        postcode=np.asarray(postcodes, dtype=object)[columns["street"]],
        address_id=200_000_000 + np.cumsum(rng.integers(1, 40, count)),
        street_code=street_codes[columns["street"]],
        dwellings=columns["dwellings"],
        x=columns["x"],
        y=columns["y"],
        street_names=tuple(names),
    )


def _street_counts(addresses: list[int]) -> list[int]:
    """Streets per district: about 28 addresses each, as many as there are names."""
    wanted = [max(min(_MIN_STREETS, a), math.ceil(a / _ADDRESSES_PER_STREET)) for a in addresses]
    known = [len(known_streets(number)) for number in DISTRICT_NUMBERS]
    invented_wanted = sum(max(0, w - k) for w, k in zip(wanted, known, strict=True))
    available = len(invented_street_names())
    if invented_wanted <= available:
        return wanted
    scale = available / invented_wanted  # a registry bigger than Oslo: longer streets
    return [min(w, k + math.floor((w - k) * scale)) for w, k in zip(wanted, known, strict=True)]


def _street_names(
    rng: np.random.Generator, street_counts: list[int]
) -> tuple[list[str], list[str]]:
    """A name and a postcode for each street, district after district."""
    invented = invented_street_names()
    order = rng.permutation(len(invented))
    next_invented = 0
    names: list[str] = []
    postcodes: list[str] = []
    for profile, count in zip(DISTRICT_PROFILES, street_counts, strict=True):
        known = known_streets(profile.number)[:count]
        for _ in range(count - len(known)):
            known.append((invented[order[next_invented]], None))
            next_invented += 1
        for name, pinned in known:
            names.append(name)
            postcodes.append(pinned or str(rng.choice(profile.postcodes)))
    return names, postcodes


def _district_addresses(
    rng: np.random.Generator,
    district: int,
    capacities: np.ndarray,
    first_street: int,
    streets: int,
) -> dict[str, np.ndarray]:
    """Addresses along `streets` straight streets; those that fall outside are dropped."""
    count = len(capacities)
    # Some streets are long and busy, most are short: lognormal sizes, at least one each.
    sizes = rng.multinomial(count - streets, _normalised(rng.lognormal(0, 0.7, streets))) + 1
    street = np.repeat(np.arange(streets), sizes)
    index_in_street = np.arange(count) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    # About one house in ten has several entrances with letters: 12 A, 12 B.
    new_house = (index_in_street == 0) | (rng.random(count) > 0.1)
    house_start = np.maximum.accumulate(np.where(new_house, np.arange(count), 0))
    house = _restart_per_group(np.cumsum(new_house), street) - 1
    letter_position = np.arange(count) - house_start
    run_length = np.bincount(house_start, minlength=count)[house_start]
    letters = np.asarray(list("ABCDEFGHIJ"), dtype=object)[np.minimum(letter_position, 9)]
    letter = np.where(run_length > 1, letters, "")

    houses_per_street = np.bincount(street, weights=new_house, minlength=streets)
    for _ in range(20):  # a tiny district's only street can land badly: try again
        length = _street_lengths(rng, district, streets)
        x0, y0, dx, dy, length = _place_streets(rng, district, length)
        spacing = length / np.maximum(np.ceil(houses_per_street / 2), 1)
        along = (house // 2 + 0.5) * spacing[street] + letter_position * 3.0
        # Odd numbers on the left of the street's direction, even on the right.
        side = np.where(house % 2 == 0, 1.0, -1.0)
        across = side * (9.0 + 6.0 * letter_position + rng.uniform(0, 4, count))
        x = np.round(x0[street] + along * dx[street] - across * dy[street], 2)
        y = np.round(y0[street] + along * dy[street] + across * dx[street], 2)
        keep = _inside(district, x, y)
        if keep.any() or count == 0:
            break
    return {
        "district": np.full(int(keep.sum()), district),
        "street": (street + first_street)[keep],
        "number": (house + 1)[keep],
        "letter": letter[keep],
        "dwellings": capacities[keep],
        "x": x[keep],
        "y": y[keep],
    }


def _restart_per_group(cumulative: np.ndarray, group: np.ndarray) -> np.ndarray:
    """A running count that starts again at every new group (groups are contiguous)."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    before = np.r_[0, cumulative][starts]
    return cumulative - np.repeat(before, np.diff(np.r_[starts, len(group)]))


def _normalised(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _street_lengths(rng: np.random.Generator, district: int, count: int) -> np.ndarray:
    """Metres: mostly a few hundred, some over a kilometre, never too long to fit."""
    area_m2 = shapely.area(_utm33_boundary(district))
    longest = min(1800.0, 0.6 * math.sqrt(area_m2))
    return np.clip(rng.lognormal(math.log(600), 0.5, count), 120, longest)


@lru_cache(maxsize=32)
def _utm33_boundary(district: int) -> Any:
    return shapely.transform(district_boundaries()[district], _to_utm33, interleaved=False)


def _place_streets(
    rng: np.random.Generator, district: int, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start, direction and final length of each street, the whole line in the district."""
    count = len(length)
    length = length.copy()
    x0, y0, dx, dy = (np.zeros(count) for _ in range(4))
    todo = np.arange(count)
    minx, miny, maxx, maxy = shapely.bounds(_utm33_boundary(district))
    for attempt in range(200):
        if len(todo) == 0:
            break
        if attempt % 10 == 9:
            length[todo] *= 0.7  # does not fit anywhere yet: try shorter
        sx = rng.uniform(minx, maxx, len(todo))
        sy = rng.uniform(miny, maxy, len(todo))
        angle = rng.uniform(0, math.pi, len(todo))
        cx, cy = np.cos(angle), np.sin(angle)
        fits = np.ones(len(todo), dtype=bool)
        for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
            step = fraction * length[todo]
            fits &= _inside(district, sx + step * cx, sy + step * cy)
        placed = todo[fits]
        x0[placed], y0[placed], dx[placed], dy[placed] = sx[fits], sy[fits], cx[fits], cy[fits]
        todo = todo[~fits]
    if len(todo):  # only a degenerate boundary gets here: put the rest anywhere
        raise RuntimeError(f"could not place {len(todo)} streets in {DISTRICT_NUMBERS[district]}")
    return x0, y0, dx, dy, length


def _fill_shortfall(
    rng: np.random.Generator, columns: dict[str, np.ndarray], district: int, needed: int
) -> None:
    """Add flats to existing addresses if dropped addresses left too few dwellings."""
    in_district = np.flatnonzero(columns["district"] == district)
    shortfall = needed - int(columns["dwellings"][in_district].sum())
    if shortfall > 0:
        np.add.at(columns["dwellings"], rng.choice(in_district, shortfall), 1)


def assign_dwellings(
    rng: np.random.Generator, addresses: Addresses, household_district: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each household's address and dwelling (`bruksenhetsnummer` as floor*100 + flat).

    The dwelling is 0 at an address with a single dwelling: a house has no H0101.
    """
    address = np.repeat(np.arange(len(addresses.x)), addresses.dwellings)
    flat = np.arange(len(address)) - np.repeat(
        np.cumsum(addresses.dwellings) - addresses.dwellings, addresses.dwellings
    )
    flats_per_floor = np.repeat(rng.integers(2, 5, len(addresses.x)), addresses.dwellings)
    unit = (flat // flats_per_floor + 1) * 100 + flat % flats_per_floor + 1
    unit = np.where(addresses.dwellings[address] == 1, 0, unit)
    household_address = np.full(len(household_district), -1)
    household_unit = np.zeros(len(household_district), dtype=np.int64)
    slot_district = addresses.district[address]
    for district in range(len(DISTRICT_PROFILES)):
        households = np.flatnonzero(household_district == district)
        slots = np.flatnonzero(slot_district == district)
        chosen = rng.permutation(slots)[: len(households)]
        household_address[households] = address[chosen]
        household_unit[households] = unit[chosen]
    return household_address, household_unit


# Kartverket publishes in several systems; a file may mix them (registry-exports.md).
# How often each is written; every code is one of registry.exports.EPSG_CODES.
EPSG_SHARES = {25833: 0.80, 25832: 0.12, 4258: 0.08}


def address_coordinates(
    rng: np.random.Generator, addresses: Addresses
) -> tuple[np.ndarray, list[str], list[str]]:
    """Each address's `EPSG-kode`, `Nord` and `Øst`, projected by pyproj."""
    epsg = rng.choice(
        np.asarray(list(EPSG_SHARES)), size=len(addresses.x), p=list(EPSG_SHARES.values())
    )
    north = np.asarray(addresses.y, dtype=float).copy()
    east = np.asarray(addresses.x, dtype=float).copy()
    zone32 = epsg == 25832
    east[zone32], north[zone32] = transformer(UTM33, 25832).transform(
        addresses.x[zone32], addresses.y[zone32]
    )
    geographic = epsg == 4258
    east[geographic], north[geographic] = transformer(UTM33, 4258).transform(
        addresses.x[geographic], addresses.y[geographic]
    )
    north_text = [
        f"{value:.7f}" if code == 4258 else f"{value:.2f}"
        for value, code in zip(north.tolist(), epsg.tolist(), strict=True)
    ]
    east_text = [
        f"{value:.7f}" if code == 4258 else f"{value:.2f}"
        for value, code in zip(east.tolist(), epsg.tolist(), strict=True)
    ]
    return epsg, north_text, east_text

"""Oslo's districts (bydeler): numbers, names, and matching what an operator types."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    number: str  # bydelsnummer, e.g. "030105"
    name: str


# Official names. 030101-030115 are the boundaries in registry/data/oslo-bydeler.geojson
# (property `id` "01"-"15"); Sentrum and Marka have no boundary there.
DISTRICTS: tuple[District, ...] = (
    District("030101", "Gamle Oslo"),
    District("030102", "Grünerløkka"),
    District("030103", "Sagene"),
    District("030104", "St. Hanshaugen"),
    District("030105", "Frogner"),
    District("030106", "Ullern"),
    District("030107", "Vestre Aker"),
    District("030108", "Nordre Aker"),
    District("030109", "Bjerke"),
    District("030110", "Grorud"),
    District("030111", "Stovner"),
    District("030112", "Alna"),
    District("030113", "Østensjø"),
    District("030114", "Nordstrand"),
    District("030115", "Søndre Nordstrand"),
    District("030116", "Sentrum"),
    District("030117", "Marka"),
)

BY_NUMBER: dict[str, District] = {d.number: d for d in DISTRICTS}

# Letters that Unicode does not decompose into a base letter and a mark.
_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss"})


def normalise_name(name: str) -> str:
    """`St. Hanshaugen`, `st hanshaugen` and `ST.HANSHAUGEN` all become `sthanshaugen`."""
    folded = name.casefold().translate(_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


_BY_NORMALISED_NAME: dict[str, District] = {normalise_name(d.name): d for d in DISTRICTS}


def find_district(value: str) -> District | None:
    """The district a number (`030105`) or a name (`frogner`) means, if any."""
    value = value.strip()
    if value in BY_NUMBER:
        return BY_NUMBER[value]
    return _BY_NORMALISED_NAME.get(normalise_name(value))


def suggest_districts(value: str, limit: int = 3) -> list[str]:
    """The official names nearest to an unknown district name, best first."""
    matches = difflib.get_close_matches(
        normalise_name(value), list(_BY_NORMALISED_NAME), n=limit, cutoff=0.5
    )
    return [_BY_NORMALISED_NAME[m].name for m in matches]


def district_name(number: str | None) -> str | None:
    district = BY_NUMBER.get(number or "")
    return district.name if district else None

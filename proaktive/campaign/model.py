"""The validated campaign: immutable values that the rest of proaktive reads.

Everything here is already checked and complete (defaults filled in, districts
turned into numbers, paths made absolute), so code downstream never second-guesses
a campaign or falls back to a default of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

Category = Literal["information", "service", "statutory"]
LANGUAGE_CODES = ("nb", "nn", "en", "se")  # KRR's `spraak` values that templates may have


@dataclass(frozen=True)
class AllOf:
    items: tuple[Criterion, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Criterion, ...]


@dataclass(frozen=True)
class Not:
    item: Criterion


@dataclass(frozen=True)
class Age:
    """Age in whole years on `as_of`; a bound left out is open."""

    min: int | None
    max: int | None


@dataclass(frozen=True)
class Born:
    from_: date | None
    to: date | None


@dataclass(frozen=True)
class District:
    numbers: tuple[str, ...]  # bydelsnummer, e.g. "030105", whatever name the file used


@dataclass(frozen=True)
class Postcode:
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Street:
    name: str
    from_: int | None
    to: int | None
    side: Literal["odd", "even", "both"]
    postcode: str | None


@dataclass(frozen=True)
class Area:
    file: Path  # absolute; the geometry itself is read and checked by proaktive.audience
    buffer_m: float


@dataclass(frozen=True)
class Child:
    unit: Literal["years", "months", "days"]
    min: int | None
    max: int | None


@dataclass(frozen=True)
class MovedIn:
    within_days: int
    from_: Literal["anywhere", "another_district", "another_municipality"]


@dataclass(frozen=True)
class Language:
    codes: tuple[str, ...]


Criterion = (
    AllOf
    | AnyOf
    | Not
    | Age
    | Born
    | District
    | Postcode
    | Street
    | Area
    | Child
    | MovedIn
    | Language
)


@dataclass(frozen=True)
class ContactRules:
    ignore_reservation: bool
    allow_stale_contact: bool
    include_protected_addresses: bool


@dataclass(frozen=True)
class Sender:
    from_: str
    reply_to: str | None


@dataclass(frozen=True)
class Campaign:
    source: Path  # the campaign file, absolute
    id: str
    title: str
    owner: str | None
    category: Category
    template: str
    template_folder: Path  # absolute: settings.templates / template
    default_language: str
    sender: Sender
    audience: Criterion
    contact: ContactRules
    repeat_after_days: int | None
    frequency_cap: bool

"""The building blocks of the campaign schema: a strict base model, and the values
that need a message of their own (districts, postcodes, languages, dates).

Each check raises `input_problem`, so its message reaches the user as it is,
at the place of the value in the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator, ValidationInfo

from proaktive.campaign.model import LANGUAGE_CODES
from proaktive.districts import DISTRICTS, find_district, suggest_districts
from proaktive.yamlfile import input_problem, number_not_text


class Spec(BaseModel):
    """A part of a campaign file as written. Strict: YAML already gives typed values,
    so `"18"` for a number or `yes` for a name is a mistake to report, not to guess at."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


@dataclass(frozen=True)
class CampaignContext:
    """What validation needs to know beyond the file: where its paths point."""

    folder: Path  # the campaign file's folder, as the user gave it
    templates: Path  # the templates folder from the settings, absolute


def campaign_context(info: ValidationInfo) -> CampaignContext:
    if not isinstance(info.context, CampaignContext):
        raise TypeError("validate a campaign with a CampaignContext")
    return info.context


def shown_path(path: Path) -> Path:
    """A path the way the user thinks of it: relative to the current folder when inside it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def either(names: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _district_number(value: object) -> str:
    if _is_number(value):
        raise number_not_text("district", 6)
    if not isinstance(value, str):
        raise input_problem('a district is a name like Frogner or a number like "030105"')
    district = find_district(value)
    if district is not None:
        return district.number
    if value.strip().isdigit():
        raise input_problem(
            f"unknown district number '{value}'",
            f"Oslo's districts are {DISTRICTS[0].number} to {DISTRICTS[-1].number}",
        )
    # One best guess: difflib's runners-up for a short name are mostly noise.
    nearest = suggest_districts(value, limit=1)
    hint = f"did you mean {nearest[0]}?" if nearest else 'e.g. Frogner, or "030105"'
    raise input_problem(f"unknown district '{value}'", hint)


def _postcode(value: object) -> str:
    if _is_number(value):
        raise number_not_text("postcode", 4)
    if not isinstance(value, str):
        raise input_problem('a postcode is 4 digits in quotes, like "0182"')
    if not (len(value) == 4 and value.isdigit()):
        short = value.isdigit() and len(value) < 4
        raise input_problem(
            f"postcode '{value}' is not 4 digits",
            f'did you mean "{value.zfill(4)}"?' if short else None,
        )
    return value


def _language(value: object) -> str:
    if isinstance(value, str) and value in LANGUAGE_CODES:
        return value
    hint = f"use {either([*LANGUAGE_CODES])}"
    if isinstance(value, str) and value.strip().lower() in LANGUAGE_CODES:
        hint = f"did you mean '{value.strip().lower()}'?"
    raise input_problem(f"unknown language {value!r}", hint)


def _date(value: object) -> dt.date:
    # PyYAML reads 1950-01-01 as a date; a quoted "1950-01-01" is fine too.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    shown = repr(value) if isinstance(value, str) else str(value)
    raise input_problem(f"{shown} is not a date like 1950-01-01")


def _one_or_more(what: str) -> Callable[[object], object]:
    """`district: Frogner` is short for `district: [Frogner]`; an empty list is a mistake."""

    def as_tuple(value: object) -> object:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise input_problem(f"'{what}' needs at least one value")
        return tuple(items)

    return as_tuple


DistrictNumber = Annotated[str, PlainValidator(_district_number)]
PostcodeText = Annotated[str, PlainValidator(_postcode)]
KnownLanguage = Annotated[str, PlainValidator(_language)]
IsoDate = Annotated[dt.date, PlainValidator(_date)]

DistrictNumbers = Annotated[tuple[DistrictNumber, ...], BeforeValidator(_one_or_more("district"))]
Postcodes = Annotated[tuple[PostcodeText, ...], BeforeValidator(_one_or_more("postcode"))]
KnownLanguages = Annotated[tuple[KnownLanguage, ...], BeforeValidator(_one_or_more("language"))]


Bound = TypeVar("Bound", int, dt.date)


def check_order(low: Bound | None, high: Bound | None, message: str) -> None:
    """Raise `message` when both bounds are given and the lower is above the upper."""
    if low is not None and high is not None and low > high:
        raise input_problem(message)

"""Campaign criteria → one SQL predicate that DuckDB evaluates over the whole registry.

The predicate reads a person as `p`: a row of the snapshot's `personer`, whose KRR
columns (`spraak`, …) are NULL for a person without a KRR row. Each leaf is wrapped in
`coalesce(…, false)`: a criterion about a missing value does not match, so `not`
of it does (SQL's NULL would make both false).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from proaktive.audience.dates import birth_date_range, days_before
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
    Area,
    Born,
    Child,
    Criterion,
    District,
    Language,
    MovedIn,
    Not,
    Postcode,
    Street,
)
from proaktive.sql import sql_date, sql_text


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(sql_text(v) for v in values)})"


def _within(column: str, first: dt.date | None, last: dt.date | None) -> str:
    parts = []
    if first is not None:
        parts.append(f"{column} >= {sql_date(first)}")
    if last is not None:
        parts.append(f"{column} <= {sql_date(last)}")
    return " AND ".join(parts) or f"{column} IS NOT NULL"


@dataclass(frozen=True)
class SqlContext:
    as_of: dt.date
    area_tables: Mapping[Area, str]  # each area criterion → a table of the adresse_ids inside
    child_tables: Mapping[Child, str]  # each child criterion → a table of (parent, child) pairs


def compile_criterion(criterion: Criterion, context: SqlContext) -> str:
    match criterion:
        case AllOf(items):
            return "(" + " AND ".join(compile_criterion(c, context) for c in items) + ")"
        case AnyOf(items):
            return "(" + " OR ".join(compile_criterion(c, context) for c in items) + ")"
        case Not(item):
            return f"(NOT {compile_criterion(item, context)})"
    return f"coalesce({_leaf(criterion, context)}, false)"


def _leaf(criterion: Criterion, context: SqlContext) -> str:
    as_of = context.as_of
    match criterion:
        case Age(minimum, maximum):
            first, last = _born_by(as_of, birth_date_range(as_of, "years", minimum, maximum))
            return _within("p.foedselsdato", first, last)
        case Born(first, last):
            return _within("p.foedselsdato", first, last)
        case District(numbers):
            return _in("p.bydelsnummer", numbers)
        case Postcode(codes):
            return _in("p.postnummer", codes)
        case Street():
            return _street(criterion)
        case Area():
            table = context.area_tables[criterion]
            return f"p.adresse_id IN (SELECT adresse_id FROM {table})"
        case Child():
            table = context.child_tables[criterion]
            return f"p.personidentifikator IN (SELECT parent FROM {table})"
        case MovedIn(within_days, moved_from):
            since = days_before(as_of, within_days)
            window = _within("p.flyttedato", since, as_of)
            if moved_from == "another_municipality":
                return f"({window} AND {_another_municipality()})"
            if moved_from == "another_district":
                district_differs = (
                    "p.forrige_bydelsnummer IS NULL"
                    " OR p.forrige_bydelsnummer IS DISTINCT FROM p.bydelsnummer"
                )
                return f"({window} AND ({_another_municipality()} OR {district_differs}))"
            return window
        case Language(codes):
            return _in("p.spraak", codes)
    raise TypeError(f"not a leaf criterion: {criterion!r}")


def _another_municipality() -> str:
    return "(p.forrige_kommunenummer IS NULL OR p.forrige_kommunenummer <> p.kommunenummer)"


def _street(street: Street) -> str:
    # Spaces around a name are a typing slip, never part of a street's name.
    parts = [f"lower(trim(p.adressenavn)) = lower({sql_text(street.name.strip())})"]
    if street.from_ is not None:
        parts.append(f"p.husnummer >= {street.from_}")
    if street.to is not None:
        parts.append(f"p.husnummer <= {street.to}")
    if street.side != "both":
        parts.append(f"p.husnummer % 2 = {1 if street.side == 'odd' else 0}")
    if street.postcode is not None:
        parts.append(f"p.postnummer = {sql_text(street.postcode)}")
    return "(" + " AND ".join(parts) + ")"


def child_age_sql(child: Child, as_of: dt.date, column: str) -> str:
    """SQL: the child born on `column` has the age the criterion asks for."""
    first, last = _born_by(as_of, birth_date_range(as_of, child.unit, child.min, child.max))
    return _within(column, first, last)


def _born_by(
    as_of: dt.date, bounds: tuple[dt.date | None, dt.date | None]
) -> tuple[dt.date | None, dt.date]:
    """Birth-date bounds for people who are born by `as_of`: someone born later has no age
    yet, so `age: {max: 66}` evaluated for a past date never counts them."""
    first, last = bounds
    return first, as_of if last is None else min(last, as_of)


def leaves(criterion: Criterion, *, negated: bool = False) -> Iterator[tuple[Criterion, bool]]:
    """Every leaf criterion, and whether it sits under an odd number of `not`s."""
    match criterion:
        case AllOf(items) | AnyOf(items):
            for item in items:
                yield from leaves(item, negated=negated)
        case Not(item):
            yield from leaves(item, negated=not negated)
        case _:
            yield criterion, negated

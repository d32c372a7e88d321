"""Why one person gets a campaign's message, or exactly why not: for an operator on the phone.

The person is looked up in the snapshot by identifier. Someone with a protected
address gets one answer and nothing more, whatever else is true of them: no value
of theirs, not even which criterion they fail, is ever described. For anyone else,
when the criteria do not match, each leaf criterion is evaluated for this one person
and the first that makes the whole fail is described with the person's own value
("child: no child aged 4 months (youngest is 7 months)"); when they match, the
funnel's reason says which contact rule excluded them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from proaktive.audience.criteria import SqlContext, compile_criterion
from proaktive.audience.dates import birth_date_range, days_before
from proaktive.audience.model import Recipient
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
    Area,
    Born,
    Campaign,
    Child,
    Criterion,
    District,
    Language,
    MovedIn,
    Not,
    Postcode,
    Street,
)
from proaktive.districts import BY_NUMBER
from proaktive.registry.snapshot import Registry

Outcome = Literal[
    "recipient", "protected", "unknown_person", "not_in_population", "not_matched", "excluded"
]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    why: str  # one line in words; never a value of a person with a protected address
    reason: str | None = None  # the funnel's reason key, when excluded
    recipient: Recipient | None = None  # when they get the message


PROTECTED = "protected address: gets no message"


def explain_person(
    campaign: Campaign,
    registry: Registry,
    identifier: str,
    *,
    as_of: dt.date,
    policy: ContactPolicy,
) -> Verdict:
    con = registry.connection
    row = con.execute(
        "SELECT status, beskyttet FROM personer WHERE personidentifikator = $1", [identifier]
    ).fetchone()
    if row is None:
        return Verdict(
            "unknown_person",
            "not in the registry (no good row in personer.csv; proaktive registry check "
            "lists rows with data errors)",
        )
    status, protected = row
    if protected:
        return Verdict("protected", PROTECTED)
    if status != "bosatt":
        return Verdict("not_in_population", f"not in the population: status is {status[:20]}")
    audience = resolve(campaign, registry, as_of=as_of, policy=policy, fetch=1, only=identifier)
    funnel = con.execute(
        "SELECT reason FROM funnel WHERE personidentifikator = $1", [identifier]
    ).fetchone()
    if funnel is None:
        person = _Person(registry, identifier, as_of)
        return Verdict("not_matched", _why_not(campaign.audience, person))
    (reason,) = funnel
    if reason is not None:
        return Verdict("excluded", f"gets no message: {reason}", reason=reason)
    return Verdict("recipient", "gets the message", recipient=audience.recipients[0])


def protected_identifiers(registry: Registry, identifiers: list[str]) -> set[str]:
    """Which of these people have a protected address (a statutory campaign may reach
    them, but no preview or review page ever shows them)."""
    rows = registry.connection.execute(
        "SELECT personidentifikator FROM personer "
        "WHERE beskyttet AND personidentifikator IN (SELECT unnest($1))",
        [identifiers],
    ).fetchall()
    return {identifier for (identifier,) in rows}


class _Person:
    """One person's row, and each leaf criterion evaluated for them alone."""

    def __init__(self, registry: Registry, identifier: str, as_of: dt.date) -> None:
        self.registry = registry
        self.identifier = identifier
        self.as_of = as_of
        cursor = registry.connection.execute(
            "SELECT * FROM personer WHERE personidentifikator = $1", [identifier]
        )
        names = [column[0] for column in cursor.description or ()]
        self.row: dict[str, Any] = dict(zip(names, cursor.fetchone() or (), strict=True))

    def matches(self, criterion: Criterion) -> bool:
        match criterion:
            case AllOf(items):
                return all(self.matches(item) for item in items)
            case AnyOf(items):
                return any(self.matches(item) for item in items)
            case Not(item):
                return not self.matches(item)
            case Child():
                return self._child_matches(criterion)
            case Area():
                return self.inside(criterion) is True
        predicate = compile_criterion(criterion, SqlContext(self.as_of, {}, {}))
        found = self.registry.connection.execute(
            f"SELECT {predicate} FROM personer p WHERE p.personidentifikator = $1",
            [self.identifier],
        ).fetchone()
        return bool(found and found[0])

    def children(self) -> list[dt.date]:
        """Birth dates of the children that a child criterion may count (never a protected one)."""
        rows = self.registry.connection.execute(
            """SELECT kid.foedselsdato FROM familierelasjoner r JOIN personer kid
                ON kid.personidentifikator = r.relatert_personidentifikator
            WHERE r.personidentifikator = $1 AND r.relatert_persons_rolle = 'barn'
                AND kid.status = 'bosatt' AND NOT kid.beskyttet
            ORDER BY kid.foedselsdato DESC""",
            [self.identifier],
        ).fetchall()
        return [born for (born,) in rows]

    def _child_matches(self, child: Child) -> bool:
        first, last = birth_date_range(self.as_of, child.unit, child.min, child.max)
        return any(
            (first is None or born >= first) and (last is None or born <= last)
            for born in self.children()
        )

    def inside(self, area: Area) -> bool | None:
        """Whether the home address lies in the area; None without coordinates."""
        from proaktive import geo

        point = self.registry.connection.execute(
            "SELECT epsg, nord, ost FROM adresser WHERE adresse_id = $1 "
            "AND nord IS NOT NULL AND ost IS NOT NULL",
            [self.row.get("adresse_id")],
        ).fetchnumpy()
        if len(point["epsg"]) == 0:
            return None
        x, y = geo.to_utm33(point["epsg"], point["nord"], point["ost"])
        return bool(geo.inside(geo.load_area(area.file, area.buffer_m), x, y)[0])


def _why_not(criterion: Criterion, person: _Person) -> str:
    """The first part of the criterion that makes it fail for the person, in words."""
    match criterion:
        case AllOf(items):
            failing = next(item for item in items if not person.matches(item))
            return _why_not(failing, person)
        case AnyOf(items):
            return "none of these matches: " + "; ".join(_why_not(i, person) for i in items)
        case Not(item):
            return f"not: the person matches {_describe(item, person)}"
    return _describe(criterion, person)


def _describe(criterion: Criterion, person: _Person) -> str:
    """The criterion and the person's value for it."""
    row, as_of = person.row, person.as_of
    match criterion:
        case AllOf() | AnyOf() | Not():
            return "all of it matches"
        case Age(minimum, maximum):
            years = relativedelta(as_of, row["foedselsdato"]).years
            return f"age: {years} years (wants {_bounds(minimum, maximum, 'years')})"
        case Born(first, last):
            wanted = f"{first or '…'} to {last or '…'}"
            return f"born: {row['foedselsdato']} (wants {wanted})"
        case District(numbers):
            wanted = ", ".join(_district(number) for number in numbers)
            return f"district: lives in {_district(row['bydelsnummer'])} (wants {wanted})"
        case Postcode(codes):
            return f"postcode: {row['postnummer'] or 'none'} (wants {', '.join(codes)})"
        case Street(name):
            address = " ".join(
                str(part) for part in (row["adressenavn"], row["husnummer"]) if part is not None
            )
            return f"street: lives at {address or 'no street address'} (wants {name})"
        case Area(file, buffer_m):
            inside = person.inside(criterion)
            where = "has no coordinates" if inside is None else "lies outside the area"
            return f"area: the home address {where} ({file.name}, buffer {buffer_m:g} m)"
        case Child():
            return _describe_child(criterion, person)
        case MovedIn(within_days, moved_from):
            return _describe_move(within_days, moved_from, row, as_of)
        case Language(codes):
            spraak = row["spraak"] or "none"
            return f"language: KRR language is {spraak} (wants {', '.join(codes)})"
    raise TypeError(f"not a criterion: {criterion!r}")


def _describe_child(child: Child, person: _Person) -> str:
    wanted = f"no child aged {_bounds(child.min, child.max, child.unit)}"
    born = person.children()
    if not born:
        return f"child: {wanted} (no children in the registry)"
    return f"child: {wanted} (youngest is {_age(person.as_of, born[0], child.unit)})"


def _describe_move(within_days: int, moved_from: str, row: dict[str, Any], as_of: dt.date) -> str:
    moved = row["flyttedato"]
    if moved is None:
        return "moved_in: no moving date in the registry"
    since = days_before(as_of, within_days)
    if not since <= moved <= as_of:
        days = (as_of - moved).days
        wanted = f"wants within {within_days} days"
        return f"moved_in: moved on {moved}, {days} days before {as_of} ({wanted})"
    previous = row["forrige_bydelsnummer"]
    where = _district(previous) if previous else row["forrige_kommunenummer"]
    wanted = moved_from.replace("_", " ")
    return f"moved_in: moved on {moved} from {where} (wants from {wanted})"


def _bounds(minimum: int | None, maximum: int | None, unit: str) -> str:
    if minimum is not None and minimum == maximum:
        return f"{minimum} {unit}"
    if minimum is not None and maximum is not None:
        return f"{minimum} to {maximum} {unit}"
    if minimum is not None:
        return f"at least {minimum} {unit}"
    return f"at most {maximum} {unit}"


def _age(as_of: dt.date, born: dt.date, unit: str) -> str:
    age = relativedelta(as_of, born)
    if unit == "years":
        return f"{age.years} years"
    if unit == "months":
        return f"{age.years * 12 + age.months} months"
    return f"{(as_of - born).days} days"


def _district(number: str | None) -> str:
    if number is None:
        return "no district"
    district = BY_NUMBER.get(number)
    return f"{district.name} ({number})" if district else number

"""Campaign criteria against real registry files: exactly who matches each criterion.

Each cast is a tiny registry (real CSV files) in which every person's first name
says who they are. Everyone has a usable KRR row unless the cast says otherwise,
so the recipients are exactly the people who matched; the few without a KRR row
show up as `not_in_krr` in the funnel instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from builders import (
    AS_OF,
    SPEC_REASONS,
    krr,
    make_campaign,
    open_small,
    person,
    pid,
    write_registry,
)

from proaktive.audience.model import Audience
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
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
from proaktive.registry.snapshot import Registry

D = dt.date.fromisoformat


@dataclass(frozen=True)
class P:
    """A person of a cast: `name` is their first name; `krr=None` means no KRR row."""

    name: str
    born: str = "1980-05-17"
    fields: Mapping[str, str] = field(default_factory=dict)
    krr: Mapping[str, str] | None = field(default_factory=dict)


@dataclass(frozen=True)
class Cast:
    people: tuple[P, ...]
    # (parent name, child name, role); a child name that is no person has no personer row
    relations: tuple[tuple[str, str, str], ...] | None = None


def write_cast(folder: Path, cast: Cast) -> dict[str, str]:
    """Write the cast as registry files; its identifiers by name."""
    rows = [person(p.born, fornavn=p.name, **p.fields) for p in cast.people]
    ids = {str(row["fornavn"]): str(row["personidentifikator"]) for row in rows}
    assert len(set(ids.values())) == len(rows), "identifiers must be unique"
    krr_rows = [
        krr(row, **p.krr) for p, row in zip(cast.people, rows, strict=True) if p.krr is not None
    ]
    relasjoner = None
    if cast.relations is not None:
        relasjoner = []
        for parent, child, role in cast.relations:
            child_id = ids.setdefault(child, pid("2026-07-30"))
            relasjoner.append(
                {
                    "personidentifikator": ids[parent],
                    "relatert_personidentifikator": child_id,
                    "relatert_persons_rolle": role,
                }
            )
    write_registry(folder, rows, krr_rows, relasjoner=relasjoner)
    return ids


def resolve_on(registry: Registry, criterion: Criterion, as_of: dt.date = AS_OF) -> Audience:
    audience = resolve(
        make_campaign(criterion),
        registry,
        as_of=as_of,
        policy=ContactPolicy(opt_outs=None),
        fetch=None,
    )
    funnel = audience.funnel
    assert tuple(funnel.excluded) == SPEC_REASONS
    assert funnel.matched - sum(funnel.excluded.values()) == funnel.recipients
    assert len(audience.recipients) == funnel.recipients
    ids = [r.personidentifikator for r in audience.recipients]
    assert ids == sorted(ids)
    return audience


def describe(criterion: Criterion) -> str:
    """A short test id, e.g. `all(Age(18,),District(030105))`."""
    match criterion:
        case AllOf(items) | AnyOf(items):
            inner = ",".join(describe(item) for item in items)
            return f"{'all' if isinstance(criterion, AllOf) else 'any'}({inner})"
        case Not(item):
            return f"not({describe(item)})"
    values = [
        "-".join(value) if isinstance(value, tuple) else "" if value is None else str(value)
        for value in vars(criterion).values()
    ]
    return f"{type(criterion).__name__}({','.join(values)})"


def recipient_names(audience: Audience) -> set[str]:
    return {r.fornavn for r in audience.recipients}


def assert_matched(audience: Audience, cast: Cast, expected: set[str]) -> None:
    """Exactly `expected` matched: the reachable ones are recipients, the rest not_in_krr."""
    without_krr = {p.name for p in cast.people if p.krr is None}
    assert recipient_names(audience) == expected - without_krr
    assert audience.funnel.matched == len(expected)
    assert audience.funnel.excluded["not_in_krr"] == len(expected & without_krr)
    residents = [p for p in cast.people if p.fields.get("status", "bosatt") == "bosatt"]
    assert audience.funnel.population == len(residents)


# --- the casts -------------------------------------------------------------------------

AGES = Cast(
    (
        P("Newborn", "2026-11-30"),
        P("Seventeen", "2008-12-01"),  # turns 18 tomorrow
        P("Eighteen", "2008-11-30"),  # 18 today
        P("SixtySix", "1959-12-01"),  # turns 67 tomorrow
        P("SixtySeven", "1959-11-30"),  # 67 today
    )
)
BIRTHS = Cast(
    (
        P("Before", "1949-12-31"),
        P("First", "1950-01-01"),
        P("Last", "1959-12-31"),
        P("After", "1960-01-01"),
    )
)
DISTRICTS = Cast(
    (
        P("Frogner", fields={"bydelsnummer": "030105", "postnummer": "0262"}),
        P("Sagene", fields={"bydelsnummer": "030103", "postnummer": "0458"}),
        P("Nowhere", fields={"bydelsnummer": "", "postnummer": ""}),
    )
)
STREETS = Cast(
    (
        P("Odd1", fields={"adressenavn": "Storgata", "husnummer": "1", "postnummer": "0182"}),
        P("Even2", fields={"adressenavn": "Storgata", "husnummer": "2", "postnummer": "0182"}),
        P(
            "Letter3",
            fields={
                "adressenavn": "storgata",
                "husnummer": "3",
                "husbokstav": "B",
                "postnummer": "0182",
            },
        ),
        P("Upper39", fields={"adressenavn": "STORGATA", "husnummer": "39", "postnummer": "0183"}),
        P("Even40", fields={"adressenavn": "Storgata", "husnummer": "40", "postnummer": "0183"}),
        P("Odd41", fields={"adressenavn": "Storgata", "husnummer": "41", "postnummer": "0183"}),
        P("NoNumber", fields={"adressenavn": "Storgata", "husnummer": "", "postnummer": "0182"}),
        P(
            "Nedre",
            fields={"adressenavn": "Nedre Storgata", "husnummer": "1", "postnummer": "0182"},
        ),
        P("Torggata", fields={"adressenavn": "Torggata", "husnummer": "1", "postnummer": "0182"}),
        P("Alle", fields={"adressenavn": "BYGDØY ALLÉ", "husnummer": "5", "postnummer": "0262"}),
    )
)
LANGUAGES = Cast(
    (
        P("Bokmaal", krr={"spraak": "nb"}),
        P("Nynorsk", krr={"spraak": "nn"}),
        P("English", krr={"spraak": "en"}),
        P("Unknown", krr={"spraak": ""}),
        P("NoKrr", krr=None),
    )
)
PEOPLE = Cast(
    (
        P("YoungFrogner", "1990-01-01", {"bydelsnummer": "030105"}, {"spraak": "en"}),
        P("OldFrogner", "1940-01-01", {"bydelsnummer": "030105"}, {"spraak": "nb"}),
        P("YoungSagene", "1995-06-01", {"bydelsnummer": "030103"}, {"spraak": "nb"}),
        P("OldSagene", "1945-01-01", {"bydelsnummer": "030103"}, {"spraak": "en"}),
    )
)


def moved(forrige_kommune: str, forrige_bydel: str, when: str = "2026-11-15") -> dict[str, str]:
    return {
        "kommunenummer": "0301",
        "bydelsnummer": "030105",
        "flyttedato": when,
        "forrige_kommunenummer": forrige_kommune,
        "forrige_bydelsnummer": forrige_bydel,
    }


MOVERS = Cast(
    (
        P("SameDistrict", fields=moved("0301", "030105")),
        P("OtherDistrict", fields=moved("0301", "030101")),
        P("OtherMunicipality", fields=moved("3201", "")),
        # a bydelsnummer equal to the current one, but in another municipality
        P("OtherMunicipalitySameNumber", fields=moved("3201", "030105")),
        P("UnknownPrevious", fields=moved("", "")),
        P("UnknownDistrict", fields=moved("0301", "")),
        P("UnknownMunicipality", fields=moved("", "030105")),
        P("LongAgo", fields=moved("3201", "", when="2020-01-01")),
        P("NeverMoved", fields=moved("", "", when="")),
    )
)

CASTS = {
    "ages": AGES,
    "births": BIRTHS,
    "districts": DISTRICTS,
    "streets": STREETS,
    "languages": LANGUAGES,
    "people": PEOPLE,
    "movers": MOVERS,
}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Registry]]:
    """Each cast's registry, written and opened once for the module."""
    opened: dict[str, Registry] = {}

    def open_cast(name: str) -> Registry:
        if name not in opened:
            folder = tmp_path_factory.mktemp(name)
            write_cast(folder, CASTS[name])
            opened[name] = open_small(folder)
        return opened[name]

    yield open_cast
    for registry in opened.values():
        registry.connection.close()


FROGNER = District(("030105",))
SAGENE = District(("030103",))
ENGLISH = Language(("en",))
ADULT = Age(18, None)
UNDER_67 = Age(None, 66)
OVER_66 = Age(67, None)


def street(
    name: str = "Storgata",
    from_: int | None = None,
    to: int | None = None,
    side: Literal["odd", "even", "both"] = "both",
    postcode: str | None = None,
) -> Street:
    return Street(name, from_, to, side, postcode)


LEAF_CASES: list[tuple[str, Criterion, set[str]]] = [
    # age: whole years on as_of, both bounds inclusive, either open
    ("ages", Age(18, 66), {"Eighteen", "SixtySix"}),
    ("ages", Age(18, None), {"Eighteen", "SixtySix", "SixtySeven"}),
    ("ages", Age(None, 17), {"Newborn", "Seventeen"}),
    ("ages", Age(None, 66), {"Newborn", "Seventeen", "Eighteen", "SixtySix"}),
    ("ages", Age(0, 0), {"Newborn"}),
    ("ages", Age(67, 67), {"SixtySeven"}),
    ("ages", Age(68, None), set()),
    # born: inclusive date range, either end open
    ("births", Born(dt.date(1950, 1, 1), dt.date(1959, 12, 31)), {"First", "Last"}),
    ("births", Born(dt.date(1950, 1, 1), None), {"First", "Last", "After"}),
    ("births", Born(None, dt.date(1959, 12, 31)), {"Before", "First", "Last"}),
    ("births", Born(dt.date(1950, 1, 2), dt.date(1959, 12, 30)), set()),
    # district and postcode: one value or several; a missing value never matches
    ("districts", FROGNER, {"Frogner"}),
    ("districts", District(("030105", "030103")), {"Frogner", "Sagene"}),
    ("districts", Not(FROGNER), {"Sagene", "Nowhere"}),
    ("districts", Postcode(("0262",)), {"Frogner"}),
    ("districts", Postcode(("0458", "0262", "9999")), {"Frogner", "Sagene"}),
    ("districts", Postcode(("0182",)), set()),
    ("districts", Not(Postcode(("0262",))), {"Sagene", "Nowhere"}),
    # street: name ignoring case (exact otherwise), house number range, side, postcode
    (
        "streets",
        street("storgata"),
        {"Odd1", "Even2", "Letter3", "Upper39", "Even40", "Odd41", "NoNumber"},
    ),
    ("streets", street("Storgata", 1, 39), {"Odd1", "Even2", "Letter3", "Upper39"}),
    ("streets", street("Storgata", 1, 39, "odd"), {"Odd1", "Letter3", "Upper39"}),
    ("streets", street("Storgata", 1, 39, "even"), {"Even2"}),
    ("streets", street("Storgata", side="odd"), {"Odd1", "Letter3", "Upper39", "Odd41"}),
    ("streets", street("Storgata", side="even"), {"Even2", "Even40"}),
    ("streets", street("Storgata", 39), {"Upper39", "Even40", "Odd41"}),
    ("streets", street("Storgata", to=2), {"Odd1", "Even2"}),
    ("streets", street("Storgata", postcode="0183"), {"Upper39", "Even40", "Odd41"}),
    ("streets", street("Storgata", 1, 39, postcode="0182"), {"Odd1", "Even2", "Letter3"}),
    ("streets", street("STORGATA", 39, 39, "odd", "0183"), {"Upper39"}),
    ("streets", street("Storgata", postcode="0262"), set()),
    ("streets", street("nedre storgata"), {"Nedre"}),
    ("streets", street("bygdøy allé", 1, 9, "odd"), {"Alle"}),
    (
        "streets",
        Not(street("Storgata", 1, 39)),
        {"Even40", "Odd41", "NoNumber", "Nedre", "Torggata", "Alle"},
    ),
    # language: KRR spraak; no KRR row or an empty spraak never matches, so `not` does
    ("languages", ENGLISH, {"English"}),
    ("languages", Language(("nb", "nn")), {"Bokmaal", "Nynorsk"}),
    ("languages", Not(ENGLISH), {"Bokmaal", "Nynorsk", "Unknown", "NoKrr"}),
    ("languages", Not(Language(("nb", "nn", "en", "se"))), {"Unknown", "NoKrr"}),
    # moved_in: the window, and where from (unknown previous = differs)
    (
        "movers",
        MovedIn(30, "anywhere"),
        {
            "SameDistrict",
            "OtherDistrict",
            "OtherMunicipality",
            "OtherMunicipalitySameNumber",
            "UnknownPrevious",
            "UnknownDistrict",
            "UnknownMunicipality",
        },
    ),
    (
        "movers",
        MovedIn(30, "another_district"),
        {
            "OtherDistrict",
            "OtherMunicipality",
            "OtherMunicipalitySameNumber",
            "UnknownPrevious",
            "UnknownDistrict",
            "UnknownMunicipality",
        },
    ),
    (
        "movers",
        MovedIn(30, "another_municipality"),
        {
            "OtherMunicipality",
            "OtherMunicipalitySameNumber",
            "UnknownPrevious",
            "UnknownMunicipality",
        },
    ),
    ("movers", MovedIn(10, "anywhere"), set()),
    ("movers", Not(MovedIn(30, "another_district")), {"SameDistrict", "LongAgo", "NeverMoved"}),
]

LOGIC_CASES: list[tuple[str, Criterion, set[str]]] = [
    ("all", AllOf((UNDER_67, FROGNER)), {"YoungFrogner"}),
    ("all-single", AllOf((UNDER_67,)), {"YoungFrogner", "YoungSagene"}),
    ("all-contradiction", AllOf((FROGNER, SAGENE)), set()),
    ("any", AnyOf((OVER_66, ENGLISH)), {"YoungFrogner", "OldFrogner", "OldSagene"}),
    ("any-single", AnyOf((District(("030117",)),)), set()),
    ("not", Not(FROGNER), {"YoungSagene", "OldSagene"}),
    ("not-any", Not(AnyOf((FROGNER, ENGLISH))), {"YoungSagene"}),
    ("all-of-nots", AllOf((Not(FROGNER), Not(UNDER_67))), {"OldSagene"}),
    ("not-not", Not(Not(ENGLISH)), {"YoungFrogner", "OldSagene"}),
    (
        "any-of-alls",
        AnyOf((AllOf((FROGNER, OVER_66)), AllOf((SAGENE, UNDER_67)))),
        {"OldFrogner", "YoungSagene"},
    ),
    (
        "all-of-any-and-not",
        AllOf((AnyOf((FROGNER, SAGENE)), Not(ENGLISH), ADULT)),
        {"OldFrogner", "YoungSagene"},
    ),
]


@pytest.mark.parametrize(
    ("cast", "criterion", "expected"),
    LEAF_CASES,
    ids=[f"{cast}-{describe(criterion)}" for cast, criterion, _ in LEAF_CASES],
)
def test_leaf_criterion_matches_exactly(
    town: Callable[[str], Registry], cast: str, criterion: Criterion, expected: set[str]
) -> None:
    audience = resolve_on(town(cast), criterion)
    assert_matched(audience, CASTS[cast], expected)


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [(criterion, expected) for _, criterion, expected in LOGIC_CASES],
    ids=[name for name, _, _ in LOGIC_CASES],
)
def test_all_any_not_combine(
    town: Callable[[str], Registry], criterion: Criterion, expected: set[str]
) -> None:
    audience = resolve_on(town("people"), criterion)
    assert_matched(audience, PEOPLE, expected)


def test_the_population_is_the_same_whatever_as_of(town: Callable[[str], Registry]) -> None:
    everyone = Not(Language(("xx",)))
    for as_of in (dt.date(1900, 1, 1), AS_OF, dt.date(2100, 12, 31)):
        audience = resolve_on(town("ages"), everyone, as_of)
        assert audience.funnel.population == len(AGES.people)
        assert audience.funnel.matched == len(AGES.people)


# --- a criterion about a missing value does not match, and `not` of it does -------------

MISSING_VALUE_CASES: list[tuple[str, Criterion, dict[str, str], dict[str, str] | None]] = [
    ("language-no-krr-row", ENGLISH, {}, None),
    ("language-empty-spraak", ENGLISH, {}, {"spraak": ""}),
    ("language-nb-empty-spraak", Language(("nb",)), {}, {"spraak": ""}),
    ("moved-in-no-flyttedato", MovedIn(30, "anywhere"), {"flyttedato": ""}, {}),
    (
        "moved-in-another-district-no-flyttedato",
        MovedIn(30, "another_district"),
        {"flyttedato": "", "forrige_kommunenummer": "", "forrige_bydelsnummer": ""},
        {},
    ),
    ("street-range-no-husnummer", street("Bygdøy allé", 1, 99), {"husnummer": ""}, {}),
    ("street-odd-no-husnummer", street("Bygdøy allé", side="odd"), {"husnummer": ""}, {}),
    ("street-even-no-husnummer", street("Bygdøy allé", side="even"), {"husnummer": ""}, {}),
    ("street-no-adressenavn", street("Bygdøy allé"), {"adressenavn": ""}, {}),
    (
        "street-postcode-no-postnummer",
        street("Bygdøy allé", postcode="0262"),
        {"postnummer": ""},
        {},
    ),
    ("district-no-bydelsnummer", FROGNER, {"bydelsnummer": ""}, {}),
    ("postcode-no-postnummer", Postcode(("0262",)), {"postnummer": ""}, {}),
]


# Each case has a person of its own, born on a day of their own: `Born` of that day
# scopes the case's criterion to its person, so that all cases resolve at once.
BLANKS = Cast(
    tuple(
        P(name.title().replace("-", ""), f"1970-01-{n + 1:02d}", fields=fields, krr=krr_fields)
        for n, (name, _, fields, krr_fields) in enumerate(MISSING_VALUE_CASES)
    )
)


def _scoped(negate: bool) -> Criterion:
    return AnyOf(
        tuple(
            AllOf((Born(D(who.born), D(who.born)), Not(criterion) if negate else criterion))
            for who, (_, criterion, _, _) in zip(BLANKS.people, MISSING_VALUE_CASES, strict=True)
        )
    )


@pytest.fixture(scope="module")
def blanks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Audience, Audience]:
    """The cases' criteria, and `not` of them, each resolved once for all cases."""
    folder = tmp_path_factory.mktemp("blanks")
    write_cast(folder, BLANKS)
    registry = open_small(folder)
    try:
        return resolve_on(registry, _scoped(False)), resolve_on(registry, _scoped(True))
    finally:
        registry.connection.close()


def is_matched(audience: Audience, who: P) -> bool:
    if who.krr is None:  # the only person without a KRR row: matched means not_in_krr
        return audience.funnel.excluded["not_in_krr"] == 1
    return who.name in recipient_names(audience)


@pytest.mark.parametrize("who", BLANKS.people, ids=[case[0] for case in MISSING_VALUE_CASES])
def test_a_missing_value_does_not_match_and_not_of_it_does(
    blanks: tuple[Audience, Audience], who: P
) -> None:
    criterion, negated = blanks
    assert not is_matched(criterion, who)
    assert is_matched(negated, who)


def test_no_missing_value_matches_and_every_not_of_one_does(
    blanks: tuple[Audience, Audience],
) -> None:
    criterion, negated = blanks
    assert_matched(criterion, BLANKS, set())
    assert_matched(negated, BLANKS, {who.name for who in BLANKS.people})


# --- children ---------------------------------------------------------------------------

FOUR_MONTHS = Child("months", 4, 4)

RELATION_CASES: list[tuple[str, str, P | None, bool]] = [
    ("barn", "barn", P("Baby", "2026-07-30"), True),
    ("barn-wrong-age", "barn", P("Baby", "2026-08-01"), False),  # 3 months old
    ("doedfoedtBarn", "doedfoedtBarn", P("Baby", "2026-07-30"), False),
    ("doedfoedtBarn-no-row", "doedfoedtBarn", None, False),
    ("barn-doed", "barn", P("Baby", "2026-07-30", {"status": "doed"}), False),
    ("barn-utflyttet", "barn", P("Baby", "2026-07-30", {"status": "utflyttet"}), False),
    (
        "barn-foedselsregistrert",
        "barn",
        P("Baby", "2026-07-30", {"status": "foedselsregistrert"}),
        False,
    ),
    ("barn-without-personer-row", "barn", None, False),
    ("mor", "mor", P("Baby", "2026-07-30"), False),
    ("far", "far", P("Baby", "2026-07-30"), False),
    ("medmor", "medmor", P("Baby", "2026-07-30"), False),
    ("soesken", "soesken", P("Baby", "2026-07-30"), False),
    ("partner", "ektefelleEllerPartner", P("Baby", "2026-07-30"), False),
]


def _relations_cast() -> Cast:
    people: list[P] = []
    relations: list[tuple[str, str, str]] = []
    for name, role, child, _ in RELATION_CASES:
        people.append(P(f"Parent-{name}", "1990-03-03"))
        if child is not None:
            people.append(P(f"Kid-{name}", child.born, child.fields))
        relations.append((f"Parent-{name}", f"Kid-{name}", role))
    return Cast(tuple(people), tuple(relations))


RELATIONS = _relations_cast()


@pytest.fixture(scope="module")
def parents_of_four_month_olds(tmp_path_factory: pytest.TempPathFactory) -> Audience:
    """One parent per case, each with one relation; resolved once for the module."""
    folder = tmp_path_factory.mktemp("relations")
    write_cast(folder, RELATIONS)
    registry = open_small(folder)
    try:
        return resolve_on(registry, AllOf((ADULT, FOUR_MONTHS)))
    finally:
        registry.connection.close()


@pytest.mark.parametrize(
    ("name", "matches"),
    [(name, matches) for name, _, _, matches in RELATION_CASES],
    ids=[name for name, _, _, _ in RELATION_CASES],
)
def test_only_a_barn_relation_to_a_living_resident_child_counts(
    parents_of_four_month_olds: Audience, name: str, matches: bool
) -> None:
    barn = {
        r.fornavn: [kid.fornavn for kid in r.barn] for r in parents_of_four_month_olds.recipients
    }
    assert (f"Parent-{name}" in barn) is matches
    if matches:
        assert barn[f"Parent-{name}"] == [f"Kid-{name}"]


def test_only_the_living_resident_child_makes_its_parent_match(
    parents_of_four_month_olds: Audience,
) -> None:
    assert_matched(parents_of_four_month_olds, RELATIONS, {"Parent-barn"})


FAMILY = Cast(
    (
        P("Mor", "1990-01-01"),
        P("Far", "1988-02-02"),
        # barn is sorted oldest first: not by name, not by identifier (day of birth first)
        P("Emil", "2026-07-30", {"mellomnavn": "Lille", "etternavn": "Hansen"}),
        P("Voksen", "2000-01-01"),
        P("Ylva", "2019-03-28"),
        P("Dod", "2021-01-01", {"status": "doed"}),
        P("Mats", "2022-06-15"),
    ),
    relations=(
        ("Mor", "Emil", "barn"),
        ("Mor", "Voksen", "barn"),
        ("Mor", "Ylva", "barn"),
        ("Mor", "Dod", "barn"),
        ("Mor", "Mats", "barn"),
        ("Mor", "Stillborn", "doedfoedtBarn"),
        ("Far", "Emil", "barn"),
        ("Emil", "Mor", "mor"),
        ("Emil", "Far", "far"),
        ("Emil", "Ylva", "soesken"),
        ("Mor", "Far", "ektefelleEllerPartner"),
    ),
)


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("family")
    ids = write_cast(folder, FAMILY)
    registry = open_small(folder)
    yield registry, ids
    registry.connection.close()


@pytest.mark.parametrize(
    ("criterion", "expected_barn"),
    [
        (AllOf((ADULT, FOUR_MONTHS)), {"Mor": ["Emil"], "Far": ["Emil"]}),
        (
            AllOf((ADULT, Child("years", 0, 10))),
            {"Mor": ["Ylva", "Mats", "Emil"], "Far": ["Emil"]},
        ),
        (AllOf((ADULT, Child("years", 4, 7))), {"Mor": ["Ylva", "Mats"]}),
        (AllOf((ADULT, Child("years", 26, 26))), {"Mor": ["Voksen"]}),
        (AllOf((ADULT, Child("years", 5, 5))), {}),  # Dod would be 5: a dead child never counts
        (
            AllOf((ADULT, AnyOf((FOUR_MONTHS, Child("years", 7, 7))))),
            {"Mor": ["Ylva", "Emil"], "Far": ["Emil"]},
        ),
        # the same child through two criteria is listed once
        (
            AllOf((ADULT, Child("years", 0, 0), FOUR_MONTHS)),
            {"Mor": ["Emil"], "Far": ["Emil"]},
        ),
        (AllOf((ADULT, Child("days", 123, 123))), {"Mor": ["Emil"], "Far": ["Emil"]}),
    ],
    ids=[
        "4-months",
        "0-10-years",
        "4-7-years",
        "grown-up-child",
        "dead-child-never",
        "any-of-two-child-criteria",
        "same-child-twice",
        "days",
    ],
)
def test_matched_children_are_on_the_recipient_oldest_first(
    family: tuple[Registry, dict[str, str]],
    criterion: Criterion,
    expected_barn: dict[str, list[str]],
) -> None:
    registry, ids = family
    audience = resolve_on(registry, criterion)
    assert_matched(audience, FAMILY, set(expected_barn))
    assert {r.fornavn: [kid.fornavn for kid in r.barn] for r in audience.recipients} == (
        expected_barn
    )
    for recipient in audience.recipients:
        for kid in recipient.barn:
            assert kid.personidentifikator == ids[kid.fornavn]


def test_a_matched_child_carries_its_own_names_and_birth_date(
    family: tuple[Registry, dict[str, str]],
) -> None:
    registry, ids = family
    audience = resolve_on(registry, AllOf((ADULT, FOUR_MONTHS)))
    (mor,) = [r for r in audience.recipients if r.fornavn == "Mor"]
    (baby,) = mor.barn
    assert baby.personidentifikator == ids["Emil"]
    assert (baby.fornavn, baby.mellomnavn, baby.etternavn) == ("Emil", "Lille", "Hansen")
    assert baby.foedselsdato == dt.date(2026, 7, 30)


def test_a_negated_child_criterion_lists_no_children(
    family: tuple[Registry, dict[str, str]],
) -> None:
    registry, _ = family
    # Mor's oldest child is 26: she has no child aged 30 or more, so `not` matches her
    audience = resolve_on(registry, AllOf((Age(30, None), Not(Child("years", 30, None)))))
    assert_matched(audience, FAMILY, {"Mor", "Far"})
    assert [r.barn for r in audience.recipients] == [(), ()]


def test_a_parent_without_any_relation_does_not_match_a_child_criterion(
    family: tuple[Registry, dict[str, str]],
) -> None:
    registry, _ = family
    # the children themselves (bosatt, in the population) have no `barn` relation
    audience = resolve_on(registry, Child("years", 0, None))
    assert_matched(audience, FAMILY, {"Mor", "Far"})
    everyone_else = resolve_on(registry, Not(Child("years", 0, None)))
    assert_matched(everyone_else, FAMILY, {"Emil", "Voksen", "Ylva", "Mats"})


def test_a_relation_row_given_twice_lists_the_child_once(tmp_path: Path) -> None:
    cast = Cast(
        (P("Parent", "1990-03-03"), P("Baby", "2026-07-30")),
        relations=(("Parent", "Baby", "barn"), ("Parent", "Baby", "barn")),
    )
    write_cast(tmp_path / "registry", cast)
    registry = open_small(tmp_path / "registry")
    try:
        audience = resolve_on(registry, FOUR_MONTHS)
    finally:
        registry.connection.close()
    assert_matched(audience, cast, {"Parent"})
    (parent,) = audience.recipients
    assert [kid.fornavn for kid in parent.barn] == ["Baby"]


def test_non_resident_rows_never_match_even_a_criterion_everyone_meets(tmp_path: Path) -> None:
    statuses: Sequence[str] = (
        "utflyttet",
        "forsvunnet",
        "doed",
        "opphoert",
        "foedselsregistrert",
        "midlertidig",
        "inaktiv",
        "ikkeBosatt",
        "aktiv",
    )
    cast = Cast(
        (
            P("Resident"),
            *(P(f"Status{status}", fields={"status": status}) for status in statuses),
        )
    )
    write_cast(tmp_path / "registry", cast)
    registry = open_small(tmp_path / "registry")
    try:
        audience = resolve_on(registry, Not(Language(("xx",))))
    finally:
        registry.connection.close()
    assert audience.funnel.population == 1
    assert audience.funnel.matched == 1
    assert recipient_names(audience) == {"Resident"}

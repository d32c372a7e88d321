"""The synthetic registry generator: formats of registry-exports.md, and data worth a demo."""

from __future__ import annotations

import collections
import csv
import datetime
import functools
import json
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shapely
from builders import AS_OF
from dateutil.relativedelta import relativedelta
from email_validator import EmailNotValidError, validate_email
from pyproj import Transformer
from shapely.geometry import LineString, shape

from proaktive.cli.main import run
from proaktive.errors import RegistryError
from proaktive.registry.identifiers import check_digits, identifier_problem, is_synthetic
from proaktive.synthetic.generate import GeneratedRegistry, generate_registry

PEOPLE = 3000
FILES = ("personer.csv", "familierelasjoner.csv", "krr.csv", "adresser.csv")
# The columns exactly as registry-exports.md names them.
PERSON_COLUMNS = [
    "personidentifikator", "fornavn", "mellomnavn", "etternavn", "foedselsdato", "status",
    "adressegradering", "kommunenummer", "bydelsnummer", "adressenavn", "husnummer",
    "husbokstav", "bruksenhetsnummer", "postnummer", "poststed", "adresse_id", "flyttedato",
    "forrige_kommunenummer", "forrige_bydelsnummer",
]  # fmt: skip
RELATION_COLUMNS = ["personidentifikator", "relatert_personidentifikator", "relatert_persons_rolle"]
KRR_COLUMNS = [
    "personidentifikator", "reservasjon", "status", "varslingsstatus", "epostadresse",
    "epostadresse_oppdatert", "epostadresse_sist_verifisert", "mobiltelefonnummer",
    "mobiltelefonnummer_oppdatert", "mobiltelefonnummer_sist_verifisert", "spraak",
]  # fmt: skip
ADDRESS_COLUMNS = [
    "adresseId", "EPSG-kode", "Nord", "Øst", "adressenavn", "nummer", "bokstav", "postnummer",
    "poststed", "kommunenummer",
]  # fmt: skip
Row = dict[str, str]


@dataclass(frozen=True)
class Registry:
    result: GeneratedRegistry
    people: list[Row]
    relations: list[Row]
    krr: list[Row]
    addresses: list[Row]

    @property
    def by_id(self) -> dict[str, Row]:
        return {p["personidentifikator"]: p for p in self.people}


def read(path: Path, delimiter: str = ",") -> tuple[list[str], list[Row]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file, delimiter=delimiter)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def generate(folder: Path, people: int = PEOPLE, seed: int = 1) -> GeneratedRegistry:
    return generate_registry(folder, people=people, seed=seed, as_of=AS_OF)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    folder = tmp_path_factory.mktemp("registry")
    result = generate(folder)
    return Registry(
        result=result,
        people=read(folder / "personer.csv")[1],
        relations=read(folder / "familierelasjoner.csv")[1],
        krr=read(folder / "krr.csv")[1],
        addresses=read(folder / "adresser.csv", ";")[1],
    )


def born(row: Row) -> datetime.date:
    return datetime.date.fromisoformat(row["foedselsdato"])


def age_months(row: Row) -> int:
    delta = relativedelta(AS_OF, born(row))
    return delta.years * 12 + delta.months


def oslo_date(timestamp: str) -> datetime.date:
    return datetime.datetime.fromisoformat(timestamp).astimezone(ZoneInfo("Europe/Oslo")).date()


# --- files --------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, people=1200)
    generate(second, people=1200)
    generate(other, people=1200, seed=2)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        assert (first / name).read_bytes() != (other / name).read_bytes(), name


def test_writes_the_four_files_with_the_columns_of_the_spec(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "registry"  # created if missing
    generate(folder, people=50)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert read(folder / "personer.csv")[0] == PERSON_COLUMNS
    assert read(folder / "familierelasjoner.csv")[0] == RELATION_COLUMNS
    assert read(folder / "krr.csv")[0] == KRR_COLUMNS
    assert read(folder / "adresser.csv", ";")[0][: len(ADDRESS_COLUMNS)] == ADDRESS_COLUMNS


def test_files_are_readable_by_their_owner_only_even_when_they_existed(tmp_path: Path) -> None:
    (tmp_path / "krr.csv").write_text("old\n")
    (tmp_path / "krr.csv").chmod(0o644)
    generate_registry(tmp_path, people=20, seed=1, as_of=AS_OF, overwrite=True)
    for name in FILES:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_a_folder_with_export_files_is_never_overwritten_by_mistake(tmp_path: Path) -> None:
    (tmp_path / "personer.csv").write_text("the real export\n", encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        generate(tmp_path, people=20)
    assert str(raised.value) == (
        f"{tmp_path}: the folder already holds personer.csv; generating would overwrite them "
        "(choose an empty folder, or add --overwrite to replace them with synthetic data)"
    )
    assert (tmp_path / "personer.csv").read_text(encoding="utf-8") == "the real export\n"
    assert not (tmp_path / "krr.csv").exists()


def test_the_generated_registry_passes_registry_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["registry", "generate", "reg", "--people", "2000", "--as-of", "2026-11-30"]) == 0
    assert "Wrote a synthetic registry of 2,000 people" in capsys.readouterr().out
    assert run(["registry", "check", "--registry", "reg", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["data_errors"] == []
    assert all(f["present"] and f["rows"] > 0 for f in document["files"].values())
    assert document["files"]["krr.csv"]["invalid_email"] >= 0


def test_the_result_counts_the_rows_written(registry: Registry) -> None:
    result = registry.result
    assert (result.people, result.relations) == (PEOPLE, len(registry.relations))
    assert (result.krr_rows, result.addresses) == (len(registry.krr), len(registry.addresses))


@pytest.mark.parametrize("people", [1, 2, 17, 999])
def test_small_registries_have_exactly_the_people_asked_for(tmp_path: Path, people: int) -> None:
    assert generate(tmp_path, people=people).people == people
    assert len(read(tmp_path / "personer.csv")[1]) == people


def test_progress_is_reported_through_the_callback(tmp_path: Path) -> None:
    messages: list[str] = []
    generate_registry(tmp_path, people=10, seed=1, as_of=AS_OF, progress=messages.append)
    assert messages[0] == "households for 10 people"
    assert any("adresser.csv" in message for message in messages)


def test_no_people_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="at least 1"):
        generate(tmp_path, people=0)


# --- identifiers --------------------------------------------------------------------------


def test_every_identifier_is_valid_synthetic_and_unique(registry: Registry) -> None:
    people = [p["personidentifikator"] for p in registry.people]
    assert len(set(people)) == len(people)
    used = {*people, *(r["relatert_personidentifikator"] for r in registry.relations)}
    used |= {r["personidentifikator"] for r in registry.relations}
    used |= {k["personidentifikator"] for k in registry.krr}
    assert [i for i in used if identifier_problem(i) is not None or not is_synthetic(i)] == []


def test_identifiers_encode_the_birth_date_and_use_both_k1_rules(registry: Registry) -> None:
    remainders: collections.Counter[int] = collections.Counter()
    for person in registry.people:
        number = person["personidentifikator"]
        day = int(number[:2]) - (
            40 if person["status"] in {"midlertidig", "aktiv", "inaktiv"} else 0
        )
        date = born(person)
        assert (day, int(number[2:4]) - 80, number[4:6]) == (date.day, date.month, f"{date:%y}")
        remainder = next(r for r in range(4) if check_digits(number[:9], r) == number[9:])
        remainders[remainder] += 1
    assert remainders[0] > 0.95 * PEOPLE
    assert sum(remainders[r] for r in (1, 2, 3)) > 0


# --- addresses ----------------------------------------------------------------------------


def district_areas() -> dict[str, Any]:
    """The published boundaries (repaired), Sentrum as part of Gamle Oslo/St. Hanshaugen."""
    data = resources.files("proaktive.registry") / "data" / "oslo-bydeler.geojson"
    areas = {
        "0301" + f["properties"]["id"]: shapely.make_valid(shape(f["geometry"]))
        for f in json.loads(data.read_text(encoding="utf-8"))["features"]
    }
    areas["030116"] = shapely.union(areas["030101"], areas["030104"])
    return areas


@functools.cache
def to_wgs84(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


def lon_lat(row: Row) -> tuple[float, float]:
    east, north, epsg = float(row["Øst"]), float(row["Nord"]), int(row["EPSG-kode"])
    if epsg == 4258:
        return east, north
    lon, lat = to_wgs84(epsg).transform(east, north)
    return lon, lat


def test_every_address_id_of_a_person_is_in_adresser(registry: Registry) -> None:
    ids = [a["adresseId"] for a in registry.addresses]
    assert len(set(ids)) == len(ids) and all(i.isdigit() for i in ids)
    used = {p["adresse_id"] for p in registry.people if p["adresse_id"]}
    assert used <= set(ids)
    resident_without = [
        p for p in registry.people if p["status"] == "bosatt" and not p["adresse_id"]
    ]
    assert 0 < len(resident_without) < 0.01 * PEOPLE


def test_addresses_mix_coordinate_systems(registry: Registry) -> None:
    systems = collections.Counter(a["EPSG-kode"] for a in registry.addresses)
    assert set(systems) == {"25833", "25832", "4258"}
    assert systems["25833"] > len(registry.addresses) / 2


def test_homes_lie_inside_the_district_of_their_people(registry: Registry) -> None:
    areas = district_areas()
    addresses = {a["adresseId"]: a for a in registry.addresses}
    homes = {p["adresse_id"]: p["bydelsnummer"] for p in registry.people if p["adresse_id"]}
    assert set(homes.values()) >= {f"0301{n:02d}" for n in range(1, 16)}
    for address_id, district in homes.items():
        lon, lat = lon_lat(addresses[address_id])
        assert shapely.contains_xy(areas[district], lon, lat), (address_id, district)


def test_a_street_runs_along_a_line_with_odd_and_even_sides(registry: Registry) -> None:
    to_utm = Transformer.from_crs(4326, 25833, always_xy=True)
    storgata = [a for a in registry.addresses if a["adressenavn"] == "Storgata"]
    points = [to_utm.transform(*lon_lat(a)) for a in storgata]
    first = points[min(range(len(points)), key=lambda i: int(storgata[i]["nummer"]))]
    last = points[max(range(len(points)), key=lambda i: int(storgata[i]["nummer"]))]
    trench = LineString([first, last]).buffer(30)  # "everyone within 30 m of the works"
    assert all(trench.contains(shapely.Point(p)) for p in points)
    numbers = {int(a["nummer"]) % 2 for a in storgata}
    assert numbers == {0, 1} and {a["postnummer"] for a in storgata} == {"0182"}
    living_there = {a["adresseId"] for a in storgata} & {p["adresse_id"] for p in registry.people}
    assert len(living_there) >= 5


# --- people -------------------------------------------------------------------------------


def test_ages_look_like_oslo(registry: Registry) -> None:
    years = [relativedelta(AS_OF, born(p)).years for p in registry.people]

    def share(low: int, high: int) -> float:
        return sum(low <= y <= high for y in years) / len(years)

    assert max(years) <= 100 and min(years) == 0
    assert 0.25 < share(25, 44) < 0.5
    assert 0.15 < share(0, 17) < 0.3
    assert 0.08 < share(67, 100) < 0.2
    assert any(born(p).month == 2 and born(p).day == 29 for p in registry.people)


def test_nearly_everyone_lives_here_and_every_status_occurs(registry: Registry) -> None:
    statuses = collections.Counter(p["status"] for p in registry.people)
    assert statuses["bosatt"] > 0.97 * PEOPLE
    assert {"doed", "utflyttet", "forsvunnet", "midlertidig", "ikkeBosatt"} <= set(statuses)
    grades = collections.Counter(p["adressegradering"] for p in registry.people)
    assert grades[""] + grades["ugradert"] > 0.99 * PEOPLE
    assert grades["fortrolig"] > 0 and grades["strengtFortrolig"] > 0


def test_no_date_is_after_as_of(registry: Registry) -> None:
    dates = [born(p) for p in registry.people]
    dates += [
        datetime.date.fromisoformat(p["flyttedato"]) for p in registry.people if p["flyttedato"]
    ]
    stamps = [
        k[c] for k in registry.krr for c in KRR_COLUMNS if c.endswith(("oppdatert", "verifisert"))
    ]
    dates += [oslo_date(s) for s in stamps if s]
    assert max(dates) <= AS_OF


def children_by_parent(registry: Registry) -> dict[str, list[Row]]:
    people = registry.by_id
    children: dict[str, list[Row]] = collections.defaultdict(list)
    for relation in registry.relations:
        child = people.get(relation["relatert_personidentifikator"])
        if relation["relatert_persons_rolle"] == "barn" and child is not None:
            children[relation["personidentifikator"]].append(child)
    return children


def test_dozens_of_parents_of_four_month_olds_per_ten_thousand(registry: Registry) -> None:
    people = registry.by_id
    parents = {
        parent
        for parent, children in children_by_parent(registry).items()
        if people[parent]["status"] == "bosatt"
        and any(c["status"] == "bosatt" and age_months(c) == 4 for c in children)
    }
    assert len(parents) >= 0.0015 * PEOPLE  # 15 per 10,000 at the least


def test_relations_go_both_ways(registry: Registry) -> None:
    pairs = {
        (r["personidentifikator"], r["relatert_personidentifikator"], r["relatert_persons_rolle"])
        for r in registry.relations
    }
    roles = collections.Counter(role for _, _, role in pairs)
    assert {"barn", "mor", "far", "medmor", "ektefelleEllerPartner", "doedfoedtBarn"} <= set(roles)
    for parent, child, role in pairs:
        if role == "barn":
            assert any((child, parent, r) in pairs for r in ("mor", "far", "medmor"))
        if role == "ektefelleEllerPartner":
            assert (child, parent, role) in pairs


def test_children_of_all_ages_take_a_parents_family_name(registry: Registry) -> None:
    people = registry.by_id
    ages = {
        relativedelta(AS_OF, born(child)).years
        for children in children_by_parent(registry).values()
        for child in children
    }
    assert set(range(30)) <= ages
    parent_names: dict[str, set[str]] = collections.defaultdict(set)
    for relation in registry.relations:
        if relation["relatert_persons_rolle"] in {"mor", "far", "medmor"}:
            parent = people[relation["relatert_personidentifikator"]]
            parent_names[relation["personidentifikator"]].add(parent["etternavn"])
    minors = [people[child] for child in parent_names if age_months(people[child]) < 18 * 12]
    assert len(minors) > 0.15 * PEOPLE
    assert all(child["etternavn"] in parent_names[child["personidentifikator"]] for child in minors)


def test_the_bereaved_are_there_to_be_left_out(registry: Registry) -> None:
    people = registry.by_id
    stillborn = [r for r in registry.relations if r["relatert_persons_rolle"] == "doedfoedtBarn"]
    assert len({r["relatert_personidentifikator"] for r in stillborn}) >= 2
    stillborn_ids = {r["relatert_personidentifikator"] for r in stillborn}
    with_row = [people[i] for i in stillborn_ids if i in people]
    assert with_row and all(p["status"] == "doed" and age_months(p) == 4 for p in with_row)
    dead_children = [
        child
        for parent, children in children_by_parent(registry).items()
        for child in children
        if child["status"] == "doed" and people[parent]["status"] == "bosatt"
    ]
    assert dead_children


def test_recent_movers_come_from_everywhere(registry: Registry) -> None:
    def moved_within(days: int) -> list[Row]:
        return [
            p
            for p in registry.people
            if p["status"] == "bosatt"
            and p["flyttedato"]
            and (AS_OF - datetime.date.fromisoformat(p["flyttedato"])).days <= days
        ]

    assert 0.005 * PEOPLE < len(moved_within(30)) < 0.03 * PEOPLE
    kinds: collections.Counter[str] = collections.Counter()
    for person in moved_within(90):
        kommune, bydel = person["forrige_kommunenummer"], person["forrige_bydelsnummer"]
        if not kommune:
            kinds["abroad"] += 1
        elif kommune != "0301":
            kinds["municipality"] += 1
        else:
            kinds["same district" if bydel == person["bydelsnummer"] else "district"] += 1
    assert set(kinds) == {"abroad", "municipality", "district", "same district"}


# --- KRR ----------------------------------------------------------------------------------


def test_krr_has_every_kind_of_reachability(registry: Registry) -> None:
    krr = registry.krr
    statuses = collections.Counter(k["status"] for k in krr)
    assert statuses["AKTIV"] > 0.8 * len(krr)
    assert statuses["SLETTET"] > 0 and statuses["IKKE_REGISTRERT"] > 0
    assert any(k["reservasjon"] == "JA" for k in krr)
    assert PEOPLE - len(krr) > 0  # some have no KRR row
    assert {k["varslingsstatus"] for k in krr} == {"KAN_VARSLES", "KAN_IKKE_VARSLES"}
    assert {"nb", "nn", "en", ""} <= {k["spraak"] for k in krr}


def test_emails_are_mostly_valid_with_a_few_broken_and_shared(registry: Registry) -> None:
    emails = [k["epostadresse"] for k in registry.krr if k["epostadresse"]]
    invalid, international = 0, 0
    for address in emails:
        try:
            international += validate_email(address, check_deliverability=False).smtputf8
        except EmailNotValidError:
            invalid += 1
    assert 0 < invalid < 0.005 * len(emails)
    assert international > 0  # åse@...: valid, sent with SMTPUTF8
    repeated = collections.Counter(e.lower() for e in emails)
    assert 0 < sum(1 for count in repeated.values() if count > 1) < 0.01 * len(emails)


def test_contact_timestamps_have_both_shapes_and_some_are_stale(registry: Registry) -> None:
    stamps = [k["epostadresse_oppdatert"] for k in registry.krr if k["epostadresse_oppdatert"]]
    assert any(s.endswith("Z") and "." in s for s in stamps)
    assert any(s[-3:] in {"+01", "+02"} for s in stamps)
    limit = AS_OF - relativedelta(months=18)
    fresh: collections.Counter[str] = collections.Counter()
    for row in registry.krr:
        dates = [oslo_date(row[c]) for c in KRR_COLUMNS[5:7] if row[c]]
        if row["epostadresse"]:
            fresh["undated" if not dates else "fresh" if max(dates) >= limit else "stale"] += 1
    assert 0.02 < fresh["stale"] / sum(fresh.values()) < 0.1
    assert fresh["undated"] > 0

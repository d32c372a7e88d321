"""`proaktive preview`: a project folder on disk, run end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import krr, person, pid, write_layout, write_registry
from pyproj import Transformer

from proaktive.cli.main import run

AS_OF = "2026-11-30"
OLD = "2020-01-01T10:00:00+01:00"
RAADHUS = (10.7335, 59.9119)  # lon, lat
TEMPLATE = """\
---
subject: "Hei {{ person.fornavn }}"
---
Hei {{ person.fornavn }} i {{ person.bydelsnavn }}!
"""
EN_TEMPLATE = "---\nsubject: 'Hi {{ person.fornavn }}'\n---\nHi {{ person.fornavn }}!\n"


def utm33(lon: float, lat: float) -> tuple[str, str]:
    east, north = Transformer.from_crs(4326, 25833, always_xy=True).transform(lon, lat)
    return f"{north:.3f}", f"{east:.3f}"


def square(path: Path, lon: float, lat: float, half_m: float) -> None:
    north, east = (float(v) for v in utm33(lon, lat))
    back = Transformer.from_crs(25833, 4326, always_xy=True)
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)]
    ring = [list(back.transform(east + dx * half_m, north + dy * half_m)) for dx, dy in corners]
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")


# Each person: (name, personer fields, KRR fields or None for no KRR row).
PEOPLE: list[tuple[str, dict[str, object], dict[str, object] | None]] = [
    ("recipient", {"born": "1960-01-01", "fornavn": "Ragnhild"}, {"spraak": "nb"}),
    ("english", {"born": "1961-01-01", "fornavn": "Eirik"}, {"spraak": "en"}),
    ("sami", {"born": "1962-01-01", "fornavn": "Ánde"}, {"spraak": "se"}),
    ("protected", {"born": "1963-01-01", "adressegradering": "strengtFortrolig"}, {}),
    ("protected_minor", {"born": "2012-01-01", "adressegradering": "fortrolig"}, {}),
    ("not_in_krr", {"born": "1964-01-01"}, None),
    ("krr_deleted", {"born": "1965-01-01"}, {"status": "SLETTET"}),
    ("reserved", {"born": "1966-01-01"}, {"reservasjon": "JA"}),
    ("opted_out", {"born": "1967-01-01"}, {}),
    ("no_email", {"born": "1968-01-01"}, {"epostadresse": ""}),
    ("invalid_email", {"born": "1969-01-01"}, {"epostadresse": "r@localhost"}),
    ("stale_contact", {"born": "1970-01-01"}, {"epostadresse_oppdatert": OLD}),
    ("duplicate_email", {"born": "1971-01-01"}, {"epostadresse": "Delt@Example.no"}),
    ("older_sharer", {"born": "1950-01-01"}, {"epostadresse": "delt@example.no"}),
    ("minor", {"born": "2010-01-01"}, {}),
    ("emigrated", {"born": "1972-01-01", "status": "utflyttet"}, {}),
    (
        "parent",
        {
            "born": "1990-01-01",
            "flyttedato": "2026-01-02",
            "forrige_kommunenummer": "0301",
            "forrige_bydelsnummer": "030101",
            "adresse_id": "2",
        },
        {"spraak": "nb"},
    ),
    ("baby", {"born": "2026-04-30"}, None),
]


@pytest.fixture
def ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A project folder: settings, templates, registry, opt-out list; each person's id."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates" / "t").mkdir(parents=True)
    write_layout(tmp_path / "templates")
    (tmp_path / "templates" / "t" / "nb.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "templates" / "t" / "en.md.j2").write_text(EN_TEMPLATE, encoding="utf-8")
    (tmp_path / "proaktive.yaml").write_text(
        "registry: registry/\ntemplates: templates/\nopt_outs: opt-outs.csv\n", encoding="utf-8"
    )
    (tmp_path / "campaigns").mkdir()
    square(tmp_path / "campaigns" / "square.geojson", *RAADHUS, half_m=50)
    ids, personer, krr_rows = {}, [], []
    for name, person_fields, krr_fields in PEOPLE:
        fields = dict(person_fields)  # PEOPLE is shared by every test
        born = str(fields.pop("born", "1980-05-17"))
        # Individual numbers that fit the century (500-999 for 2000-2039), so no row is skipped.
        identifier = pid(born, 600 if born >= "2000" else 100)
        row = person(born, **{"personidentifikator": identifier, "adresse_id": "1", **fields})
        ids[name] = str(row["personidentifikator"])
        personer.append(row)
        if krr_fields is not None:
            krr_rows.append(krr(row, **krr_fields))
    near, far = utm33(*RAADHUS), utm33(RAADHUS[0] + 0.01, RAADHUS[1])  # ~560 m apart
    addresses = [
        {"adresseId": "1", "EPSG-kode": "25833", "Nord": near[0], "Øst": near[1]},
        {"adresseId": "2", "EPSG-kode": "25833", "Nord": far[0], "Øst": far[1]},
    ]
    relations = [
        {
            "personidentifikator": ids["parent"],
            "relatert_personidentifikator": ids["baby"],
            "relatert_persons_rolle": "barn",
        }
    ]
    write_registry(tmp_path / "registry", personer, krr_rows, relations, addresses)
    (tmp_path / "opt-outs.csv").write_text(
        f"personidentifikator\n{ids['opted_out']}\n", encoding="utf-8"
    )
    return ids


def campaign(criterion: str, *, category: str = "information") -> str:
    path = Path("campaigns/c.yaml")
    path.write_text(
        f"id: c\ntitle: T\ncategory: {category}\ntemplate: t\naudience:\n  {criterion}\n",
        encoding="utf-8",
    )
    return str(path)


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["preview", *args, "--as-of", AS_OF])
    out, err = capsys.readouterr()
    return code, out, err


def masked(identifier: str) -> str:
    return identifier[:6] + "*****"


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("not_in_krr", "not in KRR (not_in_krr)"),
        ("krr_deleted", "deleted in KRR (krr_deleted)"),
        ("reserved", "reserved against digital contact (reserved)"),
        ("opted_out", "on the opt-out list (opted_out)"),
        ("no_email", "no e-mail address (no_email)"),
        ("invalid_email", "invalid e-mail address (invalid_email)"),
        ("stale_contact", "contact information older than 18 months (stale_contact)"),
        ("duplicate_email", "e-mail address shared with an older recipient (duplicate_email)"),
    ],
)
def test_person_excluded_by_a_funnel_rule(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], who: str, why: str
) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: gets no message: {why}\n")


@pytest.mark.parametrize(
    ("criterion", "who", "why"),
    [
        ("age: {min: 18}", "minor", "age: 16 years (wants at least 18 years)"),
        (
            "born: {from: 1950-01-01, to: 1959-12-31}",
            "recipient",
            "born: 1960-01-01 (wants 1950-01-01 to 1959-12-31)",
        ),
        (
            "district: [Sagene]",
            "recipient",
            "district: lives in Frogner (030105) (wants Sagene (030103))",
        ),
        ("postcode: ['0182']", "recipient", "postcode: 0262 (wants 0182)"),
        (
            "street: {name: Storgata}",
            "recipient",
            "street: lives at Bygdøy allé 12 (wants Storgata)",
        ),
        (
            "area: {file: square.geojson, buffer_m: 30}",
            "parent",
            "area: the home address lies outside the area (square.geojson, buffer 30 m)",
        ),
        (
            "child: {age_months: {min: 4, max: 4}}",
            "parent",
            "child: no child aged 4 months (youngest is 7 months)",
        ),
        (
            "child: {age: {min: 1}}",
            "recipient",
            "child: no child aged at least 1 years (no children in the registry)",
        ),
        (
            "moved_in: {within_days: 30}",
            "parent",
            "moved_in: moved on 2026-01-02, 332 days before 2026-11-30 (wants within 30 days)",
        ),
        ("moved_in: {within_days: 30}", "recipient", "moved_in: no moving date in the registry"),
        (
            "moved_in: {within_days: 365, from: another_municipality}",
            "parent",
            "moved_in: moved on 2026-01-02 from Gamle Oslo (030101) "
            "(wants from another municipality)",
        ),
        ("language: [en]", "recipient", "language: KRR language is nb (wants en)"),
        (
            "all: [{age: {min: 18}}, {not: {language: [nb]}}]",
            "recipient",
            "not: the person matches language: KRR language is nb (wants nb)",
        ),
        (
            "any: [{language: [en]}, {postcode: ['0182']}]",
            "recipient",
            "none of these matches: language: KRR language is nb (wants en); "
            "postcode: 0262 (wants 0182)",
        ),
    ],
)
def test_person_who_fails_a_criterion_hears_which_and_their_value(
    ids: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    criterion: str,
    who: str,
    why: str,
) -> None:
    code, out, err = preview(capsys, campaign(criterion), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: {why}\n"), err


@pytest.mark.parametrize("who", ["protected", "protected_minor"])
@pytest.mark.parametrize(
    ("criterion", "category"),
    [
        ("age: {min: 18}", "information"),  # matched, then excluded by the funnel
        ("language: [en]", "information"),  # fails a criterion: which one is not said
        ("age: {min: 0}\ncontact: {include_protected_addresses: true}", "statutory"),
    ],
)
def test_a_protected_person_gets_one_line_and_nothing_about_them(
    ids: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    who: str,
    criterion: str,
    category: str,
) -> None:
    code, out, _ = preview(capsys, campaign(criterion, category=category), "--person", ids[who])
    assert (code, out) == (0, f"{masked(ids[who])}: protected address: gets no message\n")


def test_person_who_gets_the_message_sees_it(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", ids["english"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{masked(ids['english'])}: gets the message"
    assert lines[2] == f"The message to {masked(ids['english'])}"
    assert lines[3:6] == [
        "From: Oslo kommune <ikke-svar@oslo.kommune.no>",
        f"To: {ids['english']}@example.no",
        "Subject: Hi Eirik",
    ]
    assert lines[7:12] == [
        "Message-ID: <c.1.preview@oslo.kommune.no>",
        "Auto-Submitted: auto-generated",
        "Content-Language: en",
        "MIME-Version: 1.0",
        "",
    ]
    assert lines[12:] == ["Hi Eirik!"]


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("emigrated", "not in the population: status is utflyttet"),
        (
            "nobody",
            "not in the registry (no good row in personer.csv; proaktive registry check lists "
            "rows with data errors)",
        ),
    ],
)
def test_person_outside_the_population(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str], who: str, why: str
) -> None:
    identifier = ids.get(who) or pid("1955-05-05")
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--person", identifier)
    assert (code, out) == (0, f"{masked(identifier)}: {why}\n")


def test_person_must_be_an_identifier(
    ids: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview(capsys, campaign("age: {min: 18}"), "--person", "Kari")
    assert code == 2
    assert "not a personal identifier" in err


def test_terminal_preview(ids: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = preview(capsys, campaign("age: {min: 18}"), "--sample", "2")
    assert code == 0
    assert "│ recipients" in out
    samples = out.split("Sample recipients", 1)[1].split("Recipients by message language")[0]
    shown = sorted(ids[n] for n in ("recipient", "english", "sami", "parent", "older_sharer"))
    assert [masked(i) in samples for i in shown] == [True, True, False, False, False]
    for identifier in ids.values():  # masked everywhere
        assert identifier not in out.replace(f"{identifier}@example.no", "")
    languages = out.split("Recipients by message language", 1)[1]
    assert "│ en       │          1 │                   0 │" in languages
    assert "│ nb       │          4 │                   1 │" in languages
    assert "1 recipients get the nb text because" in languages
    first = out.split("The first sample's message\n", 1)[1]
    assert "Subject: Hei" in first and "Content-Language: nb" in first
    assert first.rstrip().endswith("i Frogner!")

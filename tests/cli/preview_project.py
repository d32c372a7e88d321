"""A project folder for `proaktive preview`: settings, templates, registry, opt-out list.

One person per funnel reason, people who fail each kind of criterion, a parent and a
baby, and people with a protected address (one of them alone at an address inside
the test area), each with an identifier whose individual number fits the century.
"""

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
    (
        "protected",
        {"born": "1963-01-01", "adressegradering": "strengtFortrolig", "adresse_id": "3"},
        {},
    ),
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


def write_project(tmp_path: Path) -> dict[str, str]:
    """The project in `tmp_path` (the current folder); each person's identifier."""
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
    hidden = utm33(RAADHUS[0] + 0.0003, RAADHUS[1])  # 17 m east: inside the square too
    addresses = [
        {"adresseId": "1", "EPSG-kode": "25833", "Nord": near[0], "Øst": near[1]},
        {"adresseId": "2", "EPSG-kode": "25833", "Nord": far[0], "Øst": far[1]},
        {"adresseId": "3", "EPSG-kode": "25833", "Nord": hidden[0], "Øst": hidden[1]},
    ]
    relations = [
        {
            "personidentifikator": parent,
            "relatert_personidentifikator": ids[child],
            "relatert_persons_rolle": "barn",
        }
        # A protected child never counts, and is never described: not even its age.
        for parent, child in ((ids["parent"], "baby"), (ids["recipient"], "protected_minor"))
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

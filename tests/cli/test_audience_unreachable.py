"""`audience list --unreachable`: the letters for the people e-mail cannot reach."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from builders import AS_OF, krr, person, write_registry

from proaktive.cli.main import run

OLD = "2020-01-01T10:00:00+01:00"


def write_project(folder: Path, category: str = "information") -> dict[str, dict[str, object]]:
    """A street campaign; its people by first name."""
    (folder / "campaigns").mkdir()
    contact = "contact: {include_protected_addresses: true}\n" if category == "statutory" else ""
    (folder / "campaigns" / "c.yaml").write_text(
        f"id: c\ntitle: Graving\ntemplate: c\ncategory: {category}\n{contact}"
        "audience: {street: {name: Storgata}}\n",
        encoding="utf-8",
    )
    (folder / "templates" / "c").mkdir(parents=True)
    (folder / "templates" / "c" / "nb.md.j2").write_text("---\nsubject: x\n---\nx\n")
    (folder / "proaktive.yaml").write_text(
        "registry: registry/\nopt_outs: opt-outs.csv\n", encoding="utf-8"
    )

    def at(house: str, name: str, **fields: object) -> dict[str, object]:
        address = {"adressenavn": "Storgata", "husnummer": house, "postnummer": "0182"}
        return person(fornavn=name, poststed="OSLO", **{**address, **fields})

    people = {
        "Reachable": (at("1", "Reachable"), {}),
        "NoKrr": (at("11", "NoKrr", mellomnavn="Midt"), None),
        "Deleted": (at("2", "Deleted", husbokstav="B"), {"status": "SLETTET"}),
        "Reserved": (at("2", "Reserved", husbokstav="A"), {"reservasjon": "JA"}),
        "NoEmail": (at("3", "NoEmail", bruksenhetsnummer="H0101"), {"epostadresse": ""}),
        "Invalid": (at("4", "Invalid"), {"epostadresse": "x@localhost"}),
        "Stale": (at("5", "Stale", postnummer="0181"), {"epostadresse_oppdatert": OLD}),
        "Protected": (at("6", "Protected", adressegradering="fortrolig"), None),
        "OptedOut": (at("7", "OptedOut"), None),
    }
    rows = [row for row, _ in people.values()]
    krr_rows = [krr(row, **fields) for row, fields in people.values() if fields is not None]
    write_registry(folder / "registry", rows, krr_rows)
    opted_out = people["OptedOut"][0]["personidentifikator"]
    (folder / "opt-outs.csv").write_text(f"personidentifikator\n{opted_out}\n", encoding="utf-8")
    return {name: row for name, (row, _) in people.items()}


def letters(capsys: pytest.CaptureFixture[str], *options: str) -> list[dict[str, str]]:
    command = ["audience", "list", "campaigns/c.yaml", "--as-of", str(AS_OF), "--unreachable"]
    assert run([*command, "--format", "csv", *options]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_the_letter_list_has_every_unreachable_person_and_nobody_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = write_project(tmp_path)
    rows = letters(capsys, "--unmasked")
    assert [(r["navn"], r["adresse"], r["postnummer"], r["grunn"]) for r in rows] == [
        ("Stale Nordmann", "Storgata 5", "0181", "stale_contact"),
        ("Reserved Nordmann", "Storgata 2 A", "0182", "reserved"),
        ("Deleted Nordmann", "Storgata 2 B", "0182", "krr_deleted"),
        ("NoEmail Nordmann", "Storgata 3 H0101", "0182", "no_email"),
        ("Invalid Nordmann", "Storgata 4", "0182", "invalid_email"),
        ("NoKrr Midt Nordmann", "Storgata 11", "0182", "not_in_krr"),
    ]
    assert list(rows[0]) == [
        "navn", "adresse", "postnummer", "poststed", "grunn", "personidentifikator"
    ]  # fmt: skip
    assert rows[0]["poststed"] == "OSLO"
    assert rows[0]["personidentifikator"] == people["Stale"]["personidentifikator"]


def test_identifiers_are_masked_unless_unmasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = write_project(tmp_path)
    identifier = str(people["Stale"]["personidentifikator"])
    assert letters(capsys)[0]["personidentifikator"] == identifier[:6] + "*****"
    assert (
        run(["audience", "list", "campaigns/c.yaml", "--as-of", str(AS_OF), "--unreachable"]) == 0
    )
    out = capsys.readouterr().out
    assert identifier[:6] + "*****" in out and identifier not in out


def test_a_statutory_campaign_never_lists_a_protected_address_but_lists_opt_outs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Included for e-mail by a statutory campaign, a protected person is still never on a
    list a print service gets; the opt-out list does not apply to statutory messages."""
    write_project(tmp_path, category="statutory")
    names = [r["navn"] for r in letters(capsys)]
    assert "Protected Nordmann" not in names
    assert "OptedOut Nordmann" in names


def test_the_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path)
    command = ["audience", "list", "campaigns/c.yaml", "--as-of", str(AS_OF), "--unreachable"]
    assert run([*command, "--format", "json", "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["campaign"] == "c" and document["as_of"] == str(AS_OF)
    (first,) = document["unreachable"]
    assert first["navn"] == "Stale Nordmann" and first["grunn"] == "stale_contact"
    assert err.strip() == "1 of 6 people listed (--limit 1)."

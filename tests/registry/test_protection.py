"""A protected address protects whatever the export does: renamed columns, repeats, children."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import AS_OF, krr, make_campaign, open_small, person, write_registry

from proaktive.audience.model import Audience
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age, AllOf, Child, Criterion
from proaktive.cli.main import run
from proaktive.errors import RegistryError


def _resolve(folder: Path, criterion: Criterion = Age(18, None)) -> Audience:
    registry = open_small(folder)
    try:
        return resolve(
            make_campaign(criterion), registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None
        )
    finally:
        registry.close()


def _rename_column(path: Path, old: str, new: str) -> None:
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace(old, new) + "\n" + rest, encoding="utf-8")


def test_a_renamed_adressegradering_column_refuses_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person(adressegradering="strengtFortrolig")
    folder = write_registry(tmp_path / "registry", [kari], [krr(kari)])
    _rename_column(folder / "personer.csv", "adressegradering", "adressebeskyttelse")
    with pytest.raises(RegistryError, match="required column missing: adressegradering"):
        _resolve(folder)
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    assert run(["registry", "check"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith(
        "error: registry/personer.csv:1: required column missing: adressegradering (the header "
        "has: personidentifikator, fornavn, etternavn, foedselsdato, status, kommunenummer, "
        "adressebeskyttelse,"
    )


@pytest.mark.parametrize("value", ["fortrolig", "strengtFortrolig", "strengtFortroligUtland"])
def test_every_protected_value_protects(tmp_path: Path, value: str) -> None:
    kari = person(adressegradering=value)
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    audience = _resolve(folder)
    assert audience.funnel.excluded["protected_address"] == 1
    assert audience.recipients == ()


@pytest.mark.parametrize("later", ["strengtFortrolig", "STRENGT_FORTROLIG", "hemmelig"])
def test_a_protection_on_a_later_row_of_the_same_person_holds(tmp_path: Path, later: str) -> None:
    """The first row wins for everything else; a protection on any row holds."""
    kari = person()
    again = {**kari, "adressegradering": later, "fornavn": "Igjen"}
    folder = write_registry(tmp_path / "r", [kari, again], [krr(kari)])
    registry = open_small(folder)
    assert [e.line for e in registry.errors] == [3]  # the repeat is reported, as before
    registry.close()
    audience = _resolve(folder)
    assert audience.funnel.matched == 1
    assert audience.funnel.excluded["protected_address"] == 1


def test_a_protection_on_a_rejected_row_holds_but_not_on_an_invalid_identifier(
    tmp_path: Path,
) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    # Kari's second row is rejected (a bad date), and still protects her.
    rejected = {**kari, "foedselsdato": "1980-13-01", "adressegradering": "fortrolig"}
    # A row whose identifier is broken protects nobody: it names no one.
    broken = {**ola, "personidentifikator": str(ola["personidentifikator"])[:10]}
    broken["adressegradering"] = "fortrolig"
    folder = write_registry(tmp_path / "r", [kari, rejected, ola, broken], [krr(kari), krr(ola)])
    audience = _resolve(folder)
    assert audience.funnel.excluded["protected_address"] == 1
    assert [r.personidentifikator for r in audience.recipients] == [ola["personidentifikator"]]


def test_a_reservation_on_any_krr_row_of_the_person_holds(tmp_path: Path) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    krr_rows = [
        krr(kari),
        krr(kari, reservasjon="JA"),  # a repeat: reported, and its reservation holds
        krr(ola),
        krr(ola, reservasjon="ja", status="UKJENT"),  # rejected, and still a reservation
    ]
    folder = write_registry(tmp_path / "r", [kari, ola], krr_rows)
    audience = _resolve(folder)
    assert audience.funnel.excluded["reserved"] == 2
    assert audience.funnel.recipients == 0


def test_a_protected_child_never_counts_for_its_parent(tmp_path: Path) -> None:
    """'Søk barnehageplass for Jenny' to a parent who does not share Jenny's address."""
    mother, father = person("1990-01-01", fornavn="Mor"), person("1989-01-01", fornavn="Far")
    jenny = person("2026-07-30", fornavn="Jenny", adressegradering="strengtFortrolig")
    open_child = person("2026-07-29", fornavn="Per")
    other_mother = person("1991-01-01", fornavn="Annen")
    relations = [
        {"personidentifikator": mother["personidentifikator"],
         "relatert_personidentifikator": jenny["personidentifikator"],
         "relatert_persons_rolle": "barn"},
        {"personidentifikator": father["personidentifikator"],
         "relatert_personidentifikator": jenny["personidentifikator"],
         "relatert_persons_rolle": "barn"},
        {"personidentifikator": other_mother["personidentifikator"],
         "relatert_personidentifikator": open_child["personidentifikator"],
         "relatert_persons_rolle": "barn"},
    ]  # fmt: skip
    people = [mother, father, jenny, open_child, other_mother]
    folder = write_registry(tmp_path / "r", people, [krr(p) for p in people], relations)
    audience = _resolve(folder, AllOf((Age(18, None), Child("months", 4, 4))))
    assert audience.funnel.matched == 1
    assert [r.fornavn for r in audience.recipients] == ["Annen"]
    assert [child.fornavn for child in audience.recipients[0].barn] == ["Per"]


def test_a_krr_file_without_its_header_is_refused_without_echoing_its_first_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person()
    folder = write_registry(
        tmp_path / "registry", [kari], [krr(kari, mobiltelefonnummer="+4791234567")]
    )
    path = folder / "krr.csv"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    assert run(["registry", "check"]) == 1
    out, err = capsys.readouterr()
    text = " ".join((out + err).split())
    assert text == (
        "error: registry/krr.csv:1: required columns missing: personidentifikator, "
        "reservasjon, status, varslingsstatus, epostadresse, epostadresse_oppdatert, "
        "epostadresse_sist_verifisert (the first line does not look like a header: the file "
        "must begin with its header row)"
    )
    for secret in (str(kari["personidentifikator"]), "example.no", "91234567"):
        assert secret not in out + err


def test_a_language_proaktive_does_not_know_is_unknown_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    formula = '=HYPERLINK("http://evil")'
    folder = write_registry(
        tmp_path / "registry", [kari, ola], [krr(kari, spraak=formula), krr(ola, spraak="NN ")]
    )
    audience = _resolve(folder)
    assert audience.by_language == {"": 1, "nn": 1}
    (tmp_path / "proaktive.yaml").write_text("registry: registry/\n", encoding="utf-8")
    assert run(["registry", "check", "--json"]) == 0
    assert '"unknown_language": 1' in capsys.readouterr().out


def test_a_blank_line_and_a_byte_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    path = folder / "krr.csv"
    header, row = path.read_bytes().split(b"\n", 1)
    path.write_bytes(header + b"\n\n" + row.replace(b"example", b"ex\xe6mple"))
    with pytest.raises(RegistryError) as raised:
        _resolve(folder)
    assert str(raised.value) == (
        "r/krr.csv:3: not UTF-8 (it looks like Windows-1252 (or ISO-8859-1)) "
        "(export the file again as UTF-8)"
    )


def test_a_name_in_the_identifier_column_is_described_not_quoted(tmp_path: Path) -> None:
    kari = person()
    slid = {**person("1981-01-01"), "personidentifikator": "Kristin Jensen"}
    folder = write_registry(tmp_path / "r", [kari, slid], [krr(kari)])
    registry = open_small(folder)
    assert [str(e) for e in registry.errors] == [
        "r/personer.csv:3: personidentifikator (14 characters): not 11 digits"
    ]
    registry.close()

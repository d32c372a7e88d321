"""Reading the exports: good rows become tables, every bad row is reported with its line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import krr, make_campaign, open_small, person, pid, write_registry

from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age
from proaktive.errors import RegistryError
from proaktive.registry.exports import FAMILIERELASJONER
from proaktive.registry.snapshot import Registry


def _ids(registry_folder: Path, table: str = "personer") -> list[str]:
    registry = open_small(registry_folder)
    rows = registry.connection.execute(
        f"SELECT personidentifikator FROM {table} ORDER BY personidentifikator"
    ).fetchall()
    return [row[0] for row in rows]


def test_good_rows_become_typed_tables(tmp_path: Path) -> None:
    kari = person("1980-05-17", husnummer="12", flyttedato="2026-11-01")
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    registry = open_small(folder)
    assert registry.errors == ()
    row = registry.connection.execute(
        "SELECT foedselsdato, husnummer, flyttedato, adressegradering FROM personer"
    ).fetchall()
    assert row == [(dt.date(1980, 5, 17), 12, dt.date(2026, 11, 1), "ugradert")]
    stamps = registry.connection.execute(
        "SELECT epostadresse_oppdatert, epostadresse_sist_verifisert FROM krr"
    ).fetchall()
    # The snapshot keeps timestamps as instants (TIMESTAMPTZ), whatever their offset.
    assert stamps == [
        (dt.datetime(2026, 1, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=1))), None)
    ]


_VALID = pid("1980-05-17", 123)
_WRONG_K2 = _VALID[:10] + str((int(_VALID[10]) + 1) % 10)

BAD_PERSON_ROWS = [
    (
        {"personidentifikator": "0101075016"},
        "personidentifikator 010107****: 10 digits, not 11 "
        "(a spreadsheet probably dropped a leading zero)",
    ),
    (
        {"personidentifikator": _WRONG_K2},
        f"personidentifikator {_WRONG_K2[:6]}*****: the second check digit is wrong",
    ),
    ({"personidentifikator": ""}, "personidentifikator is empty"),
    ({"foedselsdato": "17.05.1980"}, "foedselsdato (10 characters) is not a date (YYYY-MM-DD)"),
    ({"foedselsdato": "1980-02-30"}, "foedselsdato (10 characters) is not a date (YYYY-MM-DD)"),
    ({"flyttedato": "2026-13-01"}, "flyttedato (10 characters) is not a date (YYYY-MM-DD)"),
    (
        {"status": "levende"},
        "status 'levende' is not one of bosatt, utflyttet, forsvunnet, doed, opphoert, "
        "foedselsregistrert, midlertidig, inaktiv, ikkeBosatt, aktiv",
    ),
    (
        {"adressegradering": "hemmelig"},
        "adressegradering 'hemmelig' is not one of ugradert, klientadresse, fortrolig, "
        "strengtFortrolig, strengtFortroligUtland",
    ),
    ({"kommunenummer": "301"}, "kommunenummer '301' is not 4 digits (like 0301)"),
    ({"bydelsnummer": "0301-05"}, "bydelsnummer '0301-05' is not 6 digits (like 030105)"),
    ({"husnummer": "12B"}, "husnummer (3 characters) is not a number"),
    ({"postnummer": "182"}, "postnummer '182' is not 4 digits (like 0182)"),
    ({"fornavn": ""}, "fornavn is empty"),
]


@pytest.mark.parametrize(("fields", "reason"), BAD_PERSON_ROWS)
def test_a_bad_person_row_is_reported_and_skipped(
    tmp_path: Path, fields: dict[str, str], reason: str
) -> None:
    good, bad, after = person("1970-01-01"), person("1980-05-17", **fields), person("1990-01-01")
    folder = write_registry(tmp_path / "r", [good, bad, after], [krr(good), krr(after)])
    registry = open_small(folder)
    assert [str(e) for e in registry.errors] == [f"r/personer.csv:3: {reason}"]
    assert registry.files["personer.csv"].rows == 3
    assert registry.files["personer.csv"].skipped == 1
    assert _ids(folder) == sorted([good["personidentifikator"], after["personidentifikator"]])


def test_a_duplicate_identifier_keeps_the_first_row(tmp_path: Path) -> None:
    first = person("1980-05-17", fornavn="Første")
    again = dict(first, fornavn="Andre")
    folder = write_registry(tmp_path / "r", [person(), first, again], [])
    registry = open_small(folder)
    assert [str(e) for e in registry.errors] == [
        "r/personer.csv:4: personidentifikator occurs again; only the first row is used (line 3)"
    ]
    names = registry.connection.execute(
        "SELECT fornavn FROM personer WHERE personidentifikator = ?", [first["personidentifikator"]]
    ).fetchall()
    assert names == [("Første",)]


def test_wrong_column_counts_are_reported_with_their_lines(tmp_path: Path) -> None:
    rows = [person("1970-01-01"), person("1971-01-01"), person("1972-01-01")]
    folder = write_registry(tmp_path / "r", rows, [])
    lines = (folder / "personer.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, "1,2,3")  # line 3: too few columns
    lines.insert(4, lines[3] + ",extra")  # line 5: too many
    (folder / "personer.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # A row after the broken ones with its own problem: its line must still be right.
    registry = open_small(folder)
    assert [(e.line, e.reason.split(" (")[0]) for e in registry.errors] == [
        (3, "wrong number of columns"),
        (5, "wrong number of columns"),
    ]
    assert len(_ids(folder)) == 3


def test_lines_stay_right_after_rejected_rows(tmp_path: Path) -> None:
    rows = [person("1970-01-01"), person("1971-01-01"), person("1972-01-01", foedselsdato="x")]
    folder = write_registry(tmp_path / "r", rows, [])
    lines = (folder / "personer.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, "broken")
    lines.insert(3, "also,broken")
    (folder / "personer.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = open_small(folder).errors
    assert [(e.line, e.reason) for e in errors][-1] == (
        6,
        "foedselsdato (1 character) is not a date (YYYY-MM-DD)",
    )


BAD_KRR_ROWS = [
    ({"reservasjon": "KANSKJE"}, "reservasjon 'KANSKJE' is not one of JA, NEI"),
    ({"status": "AKTIV!"}, "status 'AKTIV!' is not one of AKTIV, SLETTET, IKKE_REGISTRERT"),
    (
        {"varslingsstatus": "JA"},
        "varslingsstatus 'JA' is not one of KAN_VARSLES, KAN_IKKE_VARSLES",
    ),
    (
        {"epostadresse_oppdatert": "13.06.2023"},
        "epostadresse_oppdatert (10 characters) is not a timestamp with an offset "
        "(2023-06-13T13:42:34+02)",
    ),
    (
        {"epostadresse_sist_verifisert": "2023-06-13T13:42:34"},
        "epostadresse_sist_verifisert (19 characters) is not a timestamp with an offset "
        "(2023-06-13T13:42:34+02)",
    ),
]


@pytest.mark.parametrize(("fields", "reason"), BAD_KRR_ROWS)
def test_a_bad_krr_row_is_reported_and_skipped(
    tmp_path: Path, fields: dict[str, str], reason: str
) -> None:
    kari, ola = person("1980-05-17"), person("1981-05-17")
    folder = write_registry(tmp_path / "r", [kari, ola], [krr(kari, **fields), krr(ola)])
    registry = open_small(folder)
    assert [str(e) for e in registry.errors] == [f"r/krr.csv:2: {reason}"]
    assert _ids(folder, "krr") == [ola["personidentifikator"]]


@pytest.mark.parametrize(
    "stamp", ["2023-06-13T13:42:34+02", "2023-08-05T10:45:15.768Z", "2023-08-05T10:45:15+01:00"]
)
def test_krr_timestamps_in_the_forms_krr_uses(tmp_path: Path, stamp: str) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari, epostadresse_oppdatert=stamp)])
    assert open_small(folder).errors == ()


def test_a_krr_row_without_a_person_is_reported(tmp_path: Path) -> None:
    kari = person()
    stranger = {"personidentifikator": pid("1960-01-01")}
    folder = write_registry(tmp_path / "r", [kari], [krr(kari), krr(stranger)])
    assert [str(e) for e in open_small(folder).errors] == [
        "r/krr.csv:3: no person with this personidentifikator in personer.csv"
    ]


def test_bad_relation_and_address_rows(tmp_path: Path) -> None:
    mor, barn = person("1990-01-01"), person("2020-01-01")
    relations = [
        {
            "personidentifikator": mor["personidentifikator"],
            "relatert_personidentifikator": barn["personidentifikator"],
            "relatert_persons_rolle": "barn",
        },
        {
            "personidentifikator": mor["personidentifikator"],
            "relatert_personidentifikator": barn["personidentifikator"],
            "relatert_persons_rolle": "kusine",
        },
    ]
    addresses = [
        {"adresseId": "1", "EPSG-kode": "25833", "Nord": "6643000.5", "Øst": "597000.25"},
        {"adresseId": "2", "EPSG-kode": "3857", "Nord": "1", "Øst": "2"},
        {"adresseId": "3", "EPSG-kode": "4258", "Nord": "59,91", "Øst": "10.75"},
        {"adresseId": "1", "EPSG-kode": "25833", "Nord": "1", "Øst": "2"},
    ]
    folder = write_registry(tmp_path / "r", [mor, barn], [], relations, addresses)
    assert [str(e) for e in open_small(folder).errors] == [
        "r/familierelasjoner.csv:3: relatert_persons_rolle 'kusine' is not one of barn, mor, "
        "far, medmor, ektefelleEllerPartner, soesken, doedfoedtBarn",
        "r/adresser.csv:3: EPSG-kode '3857' is not one of 25832, 25833, 25835, 4258",
        "r/adresser.csv:4: Nord '59,91' is not a number",
        "r/adresser.csv:5: adresseId occurs again; only the first row is used (line 2)",
    ]


def test_a_bom_and_crlf_line_ends_are_fine(tmp_path: Path) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    path = folder / "personer.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert open_small(folder).errors == ()
    assert _ids(folder) == [kari["personidentifikator"]]


def test_a_windows_1252_file_is_a_clear_error(tmp_path: Path) -> None:
    plain = person(adressenavn="Storgata")
    kari = person(fornavn="Bjørn")
    folder = write_registry(tmp_path / "r", [plain, kari], [])
    path = folder / "personer.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(RegistryError) as raised:
        open_small(folder)
    assert str(raised.value) == (
        "r/personer.csv:3: not UTF-8 (it looks like Windows-1252 (or ISO-8859-1)) "
        "(export the file again as UTF-8)"
    )


def test_missing_required_columns_name_the_file_and_the_columns(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "personer.csv").write_text("personidentifikator,fornavn\n", encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        open_small(folder)
    assert str(raised.value) == (
        "r/personer.csv:1: required columns missing: etternavn, foedselsdato, status, "
        "kommunenummer, adressegradering (the header has: personidentifikator, fornavn)"
    )


def test_a_semicolon_file_where_commas_belong_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "personer.csv").write_text(
        "personidentifikator;fornavn;etternavn;foedselsdato;status;kommunenummer\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match=r"columns are separated by ',' in this file"):
        open_small(folder)


def test_columns_are_found_by_name_in_any_order_and_extras_are_ignored(tmp_path: Path) -> None:
    kari = person()
    folder = write_registry(tmp_path / "r", [kari], [krr(kari)])
    path = folder / "personer.csv"
    header, row = path.read_text(encoding="utf-8").splitlines()
    columns, values = header.split(","), row.split(",")
    order = list(reversed(range(len(columns))))
    path.write_text(
        ",".join(["ekstra", *(columns[i] for i in order)])
        + "\n"
        + ",".join(["x", *(values[i] for i in order)])
        + "\n",
        encoding="utf-8",
    )
    assert open_small(folder).errors == ()
    assert _ids(folder) == [kari["personidentifikator"]]


def test_missing_files(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    with pytest.raises(RegistryError, match=r"r/personer.csv: personer.csv not found"):
        open_small(folder)
    kari = person()
    write_registry(folder, [kari], [krr(kari)])
    registry = open_small(folder)
    assert not registry.has(FAMILIERELASJONER)
    with pytest.raises(RegistryError) as raised:
        registry.require(FAMILIERELASJONER)
    assert str(raised.value) == (
        "r/familierelasjoner.csv: familierelasjoner.csv is missing, and the child criterion "
        "needs it (put the Folkeregisteret (familierelasjoner) export in the registry folder)"
    )


def _lines(folder: Path) -> list[str]:
    return (folder / "personer.csv").read_text(encoding="utf-8").splitlines()


def _rewrite(folder: Path, lines: list[str], ending: str = "\n") -> None:
    (folder / "personer.csv").write_bytes((ending.join(lines) + ending).encode("utf-8"))


def test_an_unclosed_quote_refuses_the_file_instead_of_losing_the_rows_after_it(
    tmp_path: Path,
) -> None:
    rows = [person(f"19{50 + n}-01-01") for n in range(6)]
    folder = write_registry(tmp_path / "r", rows, [krr(row) for row in rows])
    lines = _lines(folder)
    lines[3] = lines[3].replace("Kari", '"Kari', 1)
    _rewrite(folder, lines)
    with pytest.raises(RegistryError) as raised:
        registry = open_small(folder)
        resolve_all(registry)
    assert str(raised.value) == (
        "r/personer.csv:4: a quoted value runs on over several lines from here: a closing "
        "quote is missing, or a value holds a line break; the rows after it cannot be read "
        "(fix the quotes and export the file again)"
    )


def resolve_all(registry: Registry) -> int:
    audience = resolve(
        make_campaign(Age(0, None)),
        registry,
        as_of=dt.date(2026, 11, 30),
        policy=ContactPolicy(None),
    )
    return audience.funnel.population


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_lines_are_right_after_blank_lines_and_with_crlf(tmp_path: Path, ending: str) -> None:
    rows = [person(f"19{50 + n}-01-01") for n in range(4)]
    rows[3]["foedselsdato"] = "x"
    folder = write_registry(tmp_path / "r", rows, [])
    lines = _lines(folder)
    lines.insert(2, "")  # line 3 is empty
    _rewrite(folder, [*lines, "", ""], ending)  # and the file ends in empty lines
    registry = open_small(folder)
    assert [str(e) for e in registry.errors] == [
        "r/personer.csv:6: foedselsdato (1 character) is not a date (YYYY-MM-DD)"
    ]
    assert registry.files["personer.csv"].rows == 4
    assert resolve_all(open_small(folder)) == 3


def test_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    folder = write_registry(tmp_path / "r", [person()], [])
    lines = _lines(folder)
    _rewrite(folder, [lines[0] + ",status", lines[1] + ",doed"])
    with pytest.raises(RegistryError) as raised:
        open_small(folder)
    assert str(raised.value) == (
        "r/personer.csv:1: column named twice in the header: status "
        "(which one holds the data is unclear: export the file again)"
    )


@pytest.mark.parametrize("name", ["exp[1]", "a*", "what?"])
def test_a_folder_name_with_glob_characters_is_read_as_it_is(tmp_path: Path, name: str) -> None:
    kari, ola = person("1980-01-01"), person("1981-01-01")
    write_registry(tmp_path / name, [kari], [krr(kari)])
    for decoy in ("exp1", "ab", "whatX"):  # what a glob pattern would also match
        write_registry(tmp_path / decoy, [ola, kari], [krr(ola)])
    assert _ids(tmp_path / name) == [kari["personidentifikator"]]
    assert resolve_all(open_small(tmp_path / name)) == 1


@pytest.mark.parametrize("extra", [0, 1, 5000])
def test_empty_lines_at_the_end_of_a_large_file_are_not_lines(tmp_path: Path, extra: int) -> None:
    """The end of the file may fall anywhere in the last read of it (1 MiB at a time)."""
    first = dt.date(1950, 1, 1)
    rows = [person(str(first + dt.timedelta(days=n))) for n in range(1 + (1 << 20) // 100)]
    folder = write_registry(tmp_path / "r", rows, [])
    lines = _lines(folder)
    body = "\n".join(lines) + "\n"
    padding = (1 << 20) * 2 - len(body.encode("utf-8")) + extra
    assert padding > 0
    # Pad the last row's poststed so the trailing empty lines straddle a chunk boundary.
    lines[-1] = lines[-1].replace(",OSLO,", ",OSLO" + " " * padding + ",", 1)
    _rewrite(folder, [*lines, "", "", ""])
    registry = open_small(folder)
    assert resolve_all(registry) == len(rows)
    assert registry.files["personer.csv"].rows == len(rows)

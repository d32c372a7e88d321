"""The command line's contract: exit codes, one-line errors, no tracebacks, help everywhere."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from builders import krr, person, write_registry

from proaktive.cli.main import run
from proaktive.cli.output import report_crash


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("validate", "audience", "preview", "approve", "send", "ledger", "registry"):
        assert command in out


@pytest.mark.parametrize(
    "argv",
    [["frobnicate"], ["audience", "count"], ["registry", "check", "--bogus"]],
)
def test_wrong_use_of_the_command_line_exits_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_send_of_a_missing_campaign_says_so_in_one_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["send", "campaigns/x.yaml", "--yes"]) == 1
    assert capsys.readouterr().err == "error: campaigns/x.yaml: file not found\n"


def test_input_errors_are_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["registry", "check", "--registry", "missing"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the registry folder ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_registry_check_reports_every_planted_error_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari, ola = person("1980-05-17"), person("1985-03-01")
    rows = [kari, person("1990-01-01", foedselsdato="1990-02-30"), ola, dict(ola)]
    write_registry(tmp_path / "reg", rows, [krr(kari), krr(ola, reservasjon="?")])
    assert run(["registry", "check", "--registry", "reg"]) == 1
    out = capsys.readouterr().out
    assert "reg/personer.csv:3: foedselsdato (10 characters) is not a date (YYYY-MM-DD)" in out
    assert "reg/personer.csv:5: personidentifikator occurs again" in out
    assert "reg/krr.csv:3: reservasjon '?' is not one of JA, NEI" in out
    assert "3 data error(s)" in out


def test_registry_check_json_lists_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [person(f"19{50 + n}-01-01", foedselsdato="bad") for n in range(25)]
    write_registry(tmp_path / "reg", [person(), *rows], [])
    assert run(["registry", "check", "--registry", "reg", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [e["line"] for e in document["data_errors"]] == list(range(3, 28))
    assert document["files"]["personer.csv"]["rows"] == 26
    assert document["files"]["personer.csv"]["skipped"] == 25


def test_registry_check_shows_at_most_20_errors_and_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [person(f"19{50 + n}-01-01", foedselsdato="bad") for n in range(25)]
    write_registry(tmp_path / "reg", [person(), *rows], [])
    assert run(["registry", "check", "--registry", "reg"]) == 1
    out = capsys.readouterr().out
    assert out.count("is not a date") == 20
    assert "… and 5 more (--json lists them all)." in out


def test_a_clean_registry_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kari = person()
    write_registry(tmp_path / "reg", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text("registry: reg\n", encoding="utf-8")
    assert run(["registry", "check"]) == 0
    assert "No data errors." in capsys.readouterr().out


def test_the_environment_names_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person()
    write_registry(tmp_path / "from-env", [kari], [krr(kari)])
    (tmp_path / "proaktive.yaml").write_text("registry: elsewhere\n", encoding="utf-8")
    monkeypatch.setenv("PROAKTIVE_REGISTRY", "from-env")
    assert run(["registry", "check"]) == 0


def test_a_crash_report_is_private_and_holds_no_personal_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise KeyError("01818810888 kari@example.no")
    except KeyError as error:
        path = report_crash(error)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "KeyError" in text
    assert "01818810888" not in text
    assert "kari@example.no" not in text
    assert "018188*****" in text
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected error in proaktive (KeyError); the details are in ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("value", ["20261130", "2026-W48-1", "30.11.2026", "2026-11-31"])
def test_as_of_must_be_a_date_like_2026_11_30(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["audience", "count", "c.yaml", "--as-of", value]) == 2
    assert f"'{value}' is not a date like 2026-11-30" in capsys.readouterr().err


def test_a_value_in_the_wrong_column_is_masked_in_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person("1980-05-17")
    misplaced = person("1981-01-01")
    misplaced["foedselsdato"] = kari["personidentifikator"]
    contact = krr(kari, epostadresse_oppdatert="kari@example.no")
    write_registry(tmp_path / "reg", [kari, misplaced], [contact])
    assert run(["registry", "check", "--registry", "reg", "--json"]) == 1
    out = capsys.readouterr().out
    assert kari["personidentifikator"] not in out
    assert "kari@example.no" not in out
    reasons = [error["reason"] for error in json.loads(out)["data_errors"]]
    assert reasons == [
        "foedselsdato (11 characters) is not a date (YYYY-MM-DD)",
        "epostadresse_oppdatert (15 characters) is not a timestamp with an offset "
        "(2023-06-13T13:42:34+02)",
    ]


def test_audience_count_reports_every_problem_of_the_campaign_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "templates" / "t").mkdir(parents=True)
    (tmp_path / "templates" / "t" / "nb.md.j2").write_text("Hei\n", encoding="utf-8")
    (tmp_path / "proaktive.yaml").write_text("templates: templates/\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "id: c\ntitle: T\ntemplate: t\naudience:\n  all:\n"
        "    - born: {from: 1950-13-01}\n    - postcode: 0150\n",
        encoding="utf-8",
    )
    assert run(["audience", "count", "c.yaml", "--as-of", "2026-11-30"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: c.yaml:6:20: '1950-13-01' is not a date: there is no month 13",
        'error: c.yaml:7:17: postcode 0150 is a number, not text (quote it: "0150")',
    ]


def test_personal_data_in_the_wrong_column_is_described_not_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row whose values slid into the wrong columns puts a name where a date should be."""
    kari = person("1980-05-17")
    rows = [
        kari,
        person("1981-01-01", foedselsdato="Kristin Jensen"),
        person("1982-01-01", husnummer="Bygdøy allé 12"),
        person("1983-01-01", status="Kristin Jensen"),
        person("1984-01-01", bydelsnummer="kristin@example.no"),
        person("1985-01-01", flyttedato="X"),
    ]
    contact = krr(kari, epostadresse_sist_verifisert="kristin@example.no")
    write_registry(tmp_path / "reg", rows, [contact])
    assert run(["registry", "check", "--registry", "reg", "--json"]) == 1
    out = capsys.readouterr().out
    for personal in ("Kristin Jensen", "Bygdøy", "kristin@example.no", "Jensen"):
        assert personal not in out
    assert [error["reason"] for error in json.loads(out)["data_errors"]] == [
        "foedselsdato (14 characters) is not a date (YYYY-MM-DD)",
        "husnummer (14 characters) is not a number",
        "status 'Kristin …' is not one of bosatt, utflyttet, forsvunnet, doed, opphoert, "
        "foedselsregistrert, midlertidig, inaktiv, ikkeBosatt, aktiv",
        "bydelsnummer '<e-mail>' is not 6 digits (like 030105)",
        "flyttedato (1 character) is not a date (YYYY-MM-DD)",
        "epostadresse_sist_verifisert (18 characters) is not a timestamp with an offset "
        "(2023-06-13T13:42:34+02)",
    ]


def test_a_crash_report_masks_identifiers_cut_short_grown_or_spaced(tmp_path: Path) -> None:
    try:
        raise ValueError("1807651234 180765 12345 180765123456")
    except ValueError as error:
        path = report_crash(error)
    text = path.read_text(encoding="utf-8")
    assert "ValueError: 180765**** 180765 ***** 180765******\n" in text
    for shown in ("1807651234", "180765 12345", "180765123456"):
        assert shown not in text

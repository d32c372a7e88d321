"""The opt-out list: every row it cannot use stops the command, at its line."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
from builders import krr, make_campaign, open_small, person, pid, write_registry

from proaktive.audience.optouts import load_opt_outs
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import Age
from proaktive.errors import SettingsError

KARI = pid("1980-05-17", 100)


def _load(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "opt-outs.csv"
    path.write_text(text, encoding="utf-8")
    con = duckdb.connect()
    load_opt_outs(con, path)
    ids = [row[0] for row in con.execute("SELECT * FROM opt_out_ids ORDER BY 1").fetchall()]
    emails = [row[0] for row in con.execute("SELECT * FROM opt_out_emails ORDER BY 1").fetchall()]
    return ids, emails


def test_header_names_with_spaces_and_extra_columns(tmp_path: Path) -> None:
    ids, emails = _load(
        tmp_path, f"dato, personidentifikator , epostadresse\n2026-01-01,{KARI}, Ola@Example.NO\n"
    )
    assert ids == [KARI]
    assert emails == ["ola@example.no"]


def test_an_internationalised_address_is_compared_in_its_normal_form(tmp_path: Path) -> None:
    _, emails = _load(tmp_path, "epostadresse\nKari@xn--bler-gra.no\nåse@Bøler.no\n")
    assert emails == ["kari@bøler.no", "åse@bøler.no"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            f"personidentifikator\n{KARI[1:]}\n",
            f"opt-outs.csv:2: personidentifikator {KARI[1:7]}****: 10 digits, not 11 "
            "(a spreadsheet probably dropped a leading zero)",
        ),
        ("dato,personidentifikator\n2026-01-01,\n", "opt-outs.csv:2: the row names nobody"),
        (
            "epostadresse\nkari@@example.no\n",
            "opt-outs.csv:2: epostadresse is not a valid e-mail address",
        ),
        (f"personidentifikator\n{KARI},extra\n", "opt-outs.csv:2: 2 values, the header has 1"),
        (
            "personidentifikator\nKristin Jensen\n",
            "opt-outs.csv:2: personidentifikator (14 characters): not 11 digits",
        ),
    ],
)
def test_a_row_that_matches_nobody_stops_the_command(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        _load(tmp_path, text)
    assert problem in str(raised.value).replace(f"{tmp_path}/", "")
    assert str(raised.value).endswith("(fix these rows, so that everyone on the list is left out)")


@pytest.mark.parametrize("header", ["navn", "personidentifikator,personidentifikator", ""])
def test_a_header_without_the_columns_is_an_error(tmp_path: Path, header: str) -> None:
    with pytest.raises(SettingsError, match="the header must name"):
        _load(tmp_path, f"{header}\n")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("SMTP_PASSWORD=synthetic-secret\0HOME=/home/kari\0", "it has 1 column, named otherwise"),
        ("navn,adresse\nKari Nordmann,Bygdøy allé 12\n", "it has 2 columns, named otherwise"),
        (
            "personidentifikator;navn\n01818810888;Kari\n",
            "it has 1 column: separate the columns with ',', not ';'",
        ),
        ("\n01818810888\n", "the first line is empty"),
    ],
    ids=["another-file", "other-columns", "semicolons", "empty-header"],
)
def test_a_wrong_header_is_described_never_quoted(tmp_path: Path, text: str, hint: str) -> None:
    """`opt_outs` may name a file never meant to be one: its text must not reach the screen."""
    with pytest.raises(SettingsError) as raised:
        _load(tmp_path, text)
    assert str(raised.value) == (
        f"{tmp_path / 'opt-outs.csv'}:1: the header must name 'personidentifikator', "
        f"'epostadresse' or both, once each (other columns are ignored) ({hint})"
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda path: os.mkfifo(path), "not a regular file"),
        (lambda path: path.write_bytes(b"epostadresse\nkari@b\xf8ler.no\n"), "not UTF-8 text"),
        (lambda path: path.mkdir(), "is a folder, not a file"),
    ],
    ids=["fifo", "latin-1", "folder"],
)
def test_a_list_that_cannot_be_read_stops_the_command(
    tmp_path: Path, make: object, problem: str
) -> None:
    path = tmp_path / "opt-outs.csv"
    make(path)  # type: ignore[operator]
    with pytest.raises(SettingsError) as raised:
        load_opt_outs(duckdb.connect(), path)
    assert str(raised.value).startswith(f"{path}: the opt-out list cannot be used: {problem}")


def test_a_configured_list_that_is_missing_stops_the_command(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="the opt-out list is missing"):
        load_opt_outs(duckdb.connect(), tmp_path / "nope.csv")


def test_an_opt_out_by_a_differently_written_address_excludes_the_person(tmp_path: Path) -> None:
    kari = person("1980-05-17", personidentifikator=KARI)
    folder = write_registry(tmp_path / "r", [kari], [krr(kari, epostadresse="kari@bøler.no")])
    opt_outs = tmp_path / "opt-outs.csv"
    opt_outs.write_text("epostadresse\nKARI@xn--bler-gra.no\n", encoding="utf-8")
    audience = resolve(
        make_campaign(Age(18, None)),
        open_small(folder),
        as_of=dt.date(2026, 11, 30),
        policy=ContactPolicy(opt_outs),
    )
    assert audience.funnel.excluded["opted_out"] == 1
    assert audience.funnel.recipients == 0

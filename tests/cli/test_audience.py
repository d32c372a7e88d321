"""`proaktive audience count` and `audience list`: a project folder on disk, run end to end.

Each test writes a settings file, a campaign, a template and a registry in its own
folder (the current folder, see conftest.py), runs the command line in-process and
reads what it printed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from builders import AS_OF as BUILDERS_AS_OF
from builders import krr, person, write_registry

from proaktive.cli.main import run

AS_OF = str(BUILDERS_AS_OF)  # as text, for the command line
OLD = "2020-01-01T10:00:00+01:00"

CAMPAIGN = """\
id: cli-test
title: Test av kommandolinjen
template: cli-test
audience:
  age: {min: 18}
"""
TEMPLATE = """\
---
subject: "Hei {{ person.fornavn }}"
---
Hei {{ person.fornavn }}!
"""
SETTINGS = """\
registry: registry/
templates: templates/
opt_outs: opt-outs.csv
"""

EXCLUDED = {
    "protected_address": 1,
    "not_in_krr": 1,
    "krr_deleted": 0,
    "reserved": 1,
    "opted_out": 1,
    "no_email": 1,
    "invalid_email": 1,
    "stale_contact": 1,
    "duplicate_email": 1,
    "already_sent": 0,
    "frequency_cap": 0,
}
POPULATION = 12
MATCHED = 11
RECIPIENTS = 3


def write_project(folder: Path) -> list[dict[str, str]]:
    """The project; its recipients as `audience list --format json --unmasked` shows them."""
    (folder / "campaigns").mkdir()
    (folder / "campaigns" / "cli-test.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "templates" / "cli-test").mkdir(parents=True)
    (folder / "templates" / "cli-test" / "nb.md.j2").write_text(TEMPLATE, encoding="utf-8")
    (folder / "proaktive.yaml").write_text(SETTINGS, encoding="utf-8")

    r1 = person("1960-01-01", fornavn="R1", bydelsnummer="030105")
    r2 = person("1961-01-01", fornavn="R2", bydelsnummer="030105")
    r3 = person("1962-01-01", fornavn="R3", bydelsnummer="030103")
    opted_out = person("1970-01-01", fornavn="OptedOut")
    rows = [
        (r1, {"spraak": "nb", "epostadresse": "r1@example.no"}),
        (r2, {"spraak": "en", "epostadresse": "r2@example.no"}),
        (r3, {"spraak": "nb", "epostadresse": "felles@example.no"}),
        (person("1971-01-01", fornavn="Protected", adressegradering="fortrolig"), {}),
        (person("1972-01-01", fornavn="NoKrr"), None),
        (person("1973-01-01", fornavn="Reserved"), {"reservasjon": "JA"}),
        (opted_out, {}),
        (person("1974-01-01", fornavn="NoEmail"), {"epostadresse": ""}),
        (person("1975-01-01", fornavn="Invalid"), {"epostadresse": "r@localhost"}),
        (person("1976-01-01", fornavn="Stale"), {"epostadresse_oppdatert": OLD}),
        (person("1990-01-01", fornavn="Shared"), {"epostadresse": "Felles@Example.no"}),
        (person("2010-01-01", fornavn="Minor"), {}),
        (person("1977-01-01", fornavn="Emigrated", status="utflyttet"), {}),
    ]
    personer = [row for row, _ in rows]
    personer.append({**r1, "foedselsdato": "1960-13-01"})  # a data error: skipped
    krr_rows = [krr(row, **fields) for row, fields in rows if fields is not None]
    write_registry(folder / "registry", personer, krr_rows)
    (folder / "opt-outs.csv").write_text(
        f"personidentifikator\n{opted_out['personidentifikator']}\n", encoding="utf-8"
    )
    recipients = [
        {
            "personidentifikator": str(row["personidentifikator"]),
            "epostadresse": fields["epostadresse"],
            "spraak": fields["spraak"],
            "bydelsnummer": str(row["bydelsnummer"]),
        }
        for row, fields in rows[:3]
        if fields is not None
    ]
    return sorted(recipients, key=lambda r: r["personidentifikator"])


@pytest.fixture
def recipients(tmp_path: Path) -> list[dict[str, str]]:
    return write_project(tmp_path)


def audience(
    capsys: pytest.CaptureFixture[str], *args: str, as_of: str | None = AS_OF
) -> tuple[int, str, str]:
    command = ["audience", *args, "campaigns/cli-test.yaml"]
    if as_of is not None:
        command += ["--as-of", as_of]
    code = run(command)
    out, err = capsys.readouterr()
    return code, out, err


def masked(identifier: str) -> str:
    return identifier[:6] + "*****"


# --- audience count ----------------------------------------------------------------


def test_count_json_is_the_spec_document(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "count", "--json")
    assert code == 0
    document = json.loads(out)
    assert list(document) == [
        "campaign",
        "as_of",
        "population",
        "matched",
        "excluded",
        "recipients",
        "skipped_rows",
    ]
    assert list(document["excluded"]) == list(EXCLUDED)
    assert document == {
        "campaign": "cli-test",
        "as_of": AS_OF,
        "population": POPULATION,
        "matched": MATCHED,
        "excluded": EXCLUDED,
        "recipients": RECIPIENTS,
        "skipped_rows": 1,  # the row with a data error; no area, so no without_coordinates
    }
    assert document["matched"] - sum(document["excluded"].values()) == document["recipients"]


@pytest.mark.parametrize(
    ("by", "groups"),
    [("district", {"030103": 1, "030105": 2}), ("language", {"en": 1, "nb": 2})],
)
def test_count_json_by_adds_the_recipients_per_group(
    recipients: list[dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    by: str,
    groups: dict[str, int],
) -> None:
    code, out, _ = audience(capsys, "count", "--json", "--by", by)
    assert code == 0
    document = json.loads(out)
    assert set(document) == {
        "campaign",
        "as_of",
        "population",
        "matched",
        "excluded",
        "recipients",
        "skipped_rows",
        "by",
    }
    assert document["by"] == groups
    assert document["recipients"] == RECIPIENTS
    assert document["excluded"] == EXCLUDED


def test_count_json_for_another_as_of(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # On 2008-01-01 Shared (born 1990) is 18, and every KRR timestamp lies in the future:
    # nothing is stale, and Minor (born 2010) is still not matched.
    code, out, _ = audience(capsys, "count", "--json", as_of="2008-01-01")
    assert code == 0
    document = json.loads(out)
    assert document["as_of"] == "2008-01-01"
    assert document["population"] == POPULATION
    assert document["matched"] == MATCHED
    assert document["excluded"]["stale_contact"] == 0
    assert document["recipients"] == RECIPIENTS + 1


def test_count_shows_every_number_of_the_funnel(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "count")
    assert code == 0
    assert "cli-test" in out
    assert AS_OF in out
    # the last number on each line of the funnel table, in order
    numbers = [
        int(found.group(1))
        for line in out.splitlines()
        if (found := re.search(r"(\d+)\s*\W?\s*$", line)) and not line.strip().startswith("cli")
    ]
    assert numbers[: 2 + len(EXCLUDED) + 1] == [
        POPULATION,
        MATCHED,
        *EXCLUDED.values(),
        RECIPIENTS,
    ]
    assert re.search(r"\b1\b.*skipped", out)  # the row with a data error


def test_count_by_district_shows_the_groups(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "count", "--by", "district")
    assert code == 0
    rows = {
        line.split()[1]: line.split()[-2]
        for line in out.splitlines()
        if re.search(r"\b0301\d\d\b", line)
    }
    assert rows == {"030105": "2", "030103": "1"}


def test_a_krr_row_without_a_person_is_not_a_skipped_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`registry check` reports it; a campaign never could have used it, so it is not skipped."""
    write_project(tmp_path)
    registry = tmp_path / "registry"
    good = person("1950-01-01", fornavn="Good")
    nobody = person("1951-01-01", fornavn="Nobody")  # in krr.csv only
    write_registry(registry, [good], [krr(good), krr(nobody)])
    code, out, _ = audience(capsys, "count")
    assert code == 0
    assert "No registry rows were skipped." in out
    assert run(["registry", "check"]) == 1
    assert "registry/krr.csv:3: no person with this personidentifikator" in capsys.readouterr().out


# --- audience list -------------------------------------------------------------------


def test_list_json_unmasked_shows_full_identifiers_sorted(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "list", "--format", "json", "--unmasked")
    assert code == 0
    assert json.loads(out) == {"campaign": "cli-test", "as_of": AS_OF, "recipients": recipients}


def test_list_json_masks_identifiers_by_default(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "list", "--format", "json")
    assert code == 0
    shown = json.loads(out)["recipients"]
    assert shown == [
        {**r, "personidentifikator": masked(r["personidentifikator"])} for r in recipients
    ]
    assert all(re.fullmatch(r"\d{6}\*{5}", r["personidentifikator"]) for r in shown)
    for r in recipients:
        assert r["personidentifikator"] not in out


@pytest.mark.parametrize("unmasked", [True, False])
def test_list_csv(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str], unmasked: bool
) -> None:
    code, out, _ = audience(
        capsys, "list", "--format", "csv", *(["--unmasked"] if unmasked else [])
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["personidentifikator", "epostadresse", "spraak", "bydelsnummer"]
    assert rows[1:] == [
        [
            r["personidentifikator"] if unmasked else masked(r["personidentifikator"]),
            r["epostadresse"],
            r["spraak"],
            r["bydelsnummer"],
        ]
        for r in recipients
    ]


@pytest.mark.parametrize("limit", [0, 2])
def test_list_limit(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str], limit: int
) -> None:
    code, out, _ = audience(capsys, "list", "--format", "json", "--unmasked", "--limit", str(limit))
    assert code == 0
    assert json.loads(out)["recipients"] == recipients[:limit]


@pytest.mark.parametrize("output_format", ["csv", "json"])
def test_list_limit_says_how_many_there_are_in_all(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    code, _, err = audience(capsys, "list", "--format", output_format, "--limit", "2")
    assert code == 0
    assert err == f"2 of {RECIPIENTS} recipients listed (--limit 2).\n"
    code, _, err = audience(capsys, "list", "--format", output_format, "--limit", "3")
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("columns", "lines"),
    [
        (
            80,
            [
                "Recipients of cli-test",
                "┏━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━━━━━━━┓",
                "┃ identifier  ┃ name        ┃ e-mail        ┃ lang. ┃ district       ┃",
                "┡━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━━━━━━━┩",
                "│ {0} │ R1 Nordmann │ r1@example.no │ nb    │ 030105 Frogner │",
                "└─────────────┴─────────────┴───────────────┴───────┴────────────────┘",
            ],
        ),
        (
            # One column short of the 70 the table above needs: the name goes above the
            # address, which is never broken.
            69,
            [
                "Recipients of cli-test",
                "┏━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━┓",
                "┃ identifier  ┃ name, e-mail  ┃ lang. ┃ district ┃",
                "┡━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━┩",
                "│ {0} │ R1 Nordmann   │ nb    │ 030105   │",
                "│             │ r1@example.no │       │ Frogner  │",
                "└─────────────┴───────────────┴───────┴──────────┘",
            ],
        ),
    ],
    ids=["one-line", "two-lines"],
)
def test_list_table_names_districts_and_keeps_addresses_whole(
    recipients: list[dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: int,
    lines: list[str],
) -> None:
    from proaktive.cli.output import stdout

    monkeypatch.setattr(stdout, "width", columns)  # the terminal's width
    code, out, _ = audience(capsys, "list", "--limit", "1")
    assert code == 0
    first = masked(recipients[0]["personidentifikator"])
    shown = [line.rstrip() for line in out.splitlines()]
    assert shown[: len(lines)] == [line.format(first) for line in lines]
    assert shown[-1] == f"1 of {RECIPIENTS} recipients shown."


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        (
            "kari.nordmann-kristoffersen@example.org",
            [
                "│ {0} │ Kari Marie Nordmann-Kristoffersen       │ nb    │ 030115     │",
                "│             │ kari.nordmann-kristoffersen@example.org │       │ Søndre     │",
                "│             │                                         │       │ Nordstrand │",
            ],
        ),
        (
            # Longer than the 41 characters left: folded, never cut short with "…".
            "kari.nordmann-kristoffersen@bydel-sondre-nordstrand.example.org",
            [
                "│ {0} │ Kari Marie Nordmann-Kristoffersen         │ nb    │ 030115     │",
                "│             │ kari.nordmann-kristoffersen@bydel-sondre- │       │ Søndre     │",
                "│             │ nordstrand.example.org                    │       │ Nordstrand │",
            ],
        ),
    ],
    ids=["39-characters", "longer"],
)
def test_addresses_stay_whole_at_80_columns(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    address: str,
    lines: list[str],
) -> None:
    from proaktive.cli.output import stdout

    write_project(tmp_path)
    kari = person("1960-01-01", fornavn="Kari Marie", etternavn="Nordmann-Kristoffersen")
    kari["bydelsnummer"] = "030115"
    write_registry(tmp_path / "registry", [kari], [krr(kari, epostadresse=address)])
    monkeypatch.setattr(stdout, "width", 80)
    code, out, _ = audience(capsys, "list")
    assert code == 0
    identifier = masked(str(kari["personidentifikator"]))
    assert [line.rstrip() for line in out.splitlines()][4:7] == [
        line.format(identifier) for line in lines
    ]


def test_list_table_masks_identifiers(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = audience(capsys, "list")
    assert code == 0
    for r in recipients:
        assert masked(r["personidentifikator"]) in out
        assert r["personidentifikator"] not in out
        assert r["epostadresse"] in out


@pytest.mark.parametrize("table", [[], ["--format", "table"]], ids=["default", "explicit"])
def test_unmasked_table_is_a_usage_error(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str], table: list[str]
) -> None:
    code, out, err = audience(capsys, "list", *table, "--unmasked")
    assert code == 2
    assert "--unmasked" in err
    for r in recipients:
        assert r["personidentifikator"] not in out + err


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["count", "list"])
def test_a_missing_registry_folder_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    write_project(tmp_path)
    (tmp_path / "proaktive.yaml").write_text(
        SETTINGS.replace("registry/", "no-such-folder/"), encoding="utf-8"
    )
    code, out, err = audience(capsys, command)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert "no-such-folder" in lines[0]
    assert "Traceback" not in out + err


def test_a_negative_limit_is_a_usage_error(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = audience(capsys, "list", "--format", "json", "--limit", "-1")
    assert code == 2
    assert "--limit" in err
    assert out == ""


@pytest.mark.parametrize("as_of", ["30.11.2026", "2026-02-30", "tomorrow", "2026-11"])
@pytest.mark.parametrize("command", ["count", "list"])
def test_as_of_that_is_not_a_date_is_a_usage_error(
    recipients: list[dict[str, str]], capsys: pytest.CaptureFixture[str], command: str, as_of: str
) -> None:
    code, out, err = audience(capsys, command, as_of=as_of)
    assert code == 2
    assert "--as-of" in err or as_of in err
    assert "Traceback" not in out + err
    assert out == ""


def test_an_opt_out_list_that_is_another_file_is_never_quoted(
    recipients: list[dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`opt_outs` pointing at a file of secrets (the review used /proc/self/environ)."""
    (tmp_path / "opt-outs.csv").write_bytes(
        b"PROAKTIVE_SMTP_PASSWORD=synthetic-secret\0HOME=/home/kari\0"
    )
    code, out, err = audience(capsys, "count")
    assert code == 1
    assert out == ""
    assert err == (
        f"error: {tmp_path / 'opt-outs.csv'}:1: the header must name 'personidentifikator', "
        "'epostadresse' or both, once each (other columns are ignored) "
        "(it has 1 column, named otherwise)\n"
    )


@pytest.mark.parametrize(
    ("as_of", "matched", "excluded", "reached"),
    [
        # Nobody is 18 in year 1 (and eighteen months before it is before the calendar).
        ("0001-01-01", 0, {}, 0),
        ("0001-06-30", 0, {}, 0),
        # In 9999 Minor is an adult too, and every contact left is stale (R1-R3, Stale,
        # Shared, Minor).
        ("9999-12-31", MATCHED + 1, {**EXCLUDED, "stale_contact": 6, "duplicate_email": 0}, 0),
    ],
)
def test_count_at_the_calendars_edges(
    recipients: list[dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    as_of: str,
    matched: int,
    excluded: dict[str, int],
    reached: int,
) -> None:
    code, out, err = audience(capsys, "count", "--json", as_of=as_of)
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["as_of"] == as_of
    assert document["matched"] == matched
    assert document["excluded"] == {reason: excluded.get(reason, 0) for reason in EXCLUDED}
    assert document["recipients"] == reached

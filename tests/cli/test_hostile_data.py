"""Register values and file contents are data: never Rich markup, never terminal commands.

Each test puts a hostile value where data comes from (the registry, a campaign file,
the command line), runs the command line, and checks what a person would see.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from builders import AS_OF as BUILDERS_AS_OF
from builders import krr, person, write_registry

from proaktive.cli.main import run
from proaktive.cli.output import report_crash, spreadsheet_safe

AS_OF = str(BUILDERS_AS_OF)  # as text, for the command line

# What a terminal would act on: C0 and C1 controls, DEL, bidi controls, separators.
CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

OSC8_LINK = "\x1b]8;;x\x1b\\K\x1b]8;;\x1b\\"  # a link
CLEAR_SCREEN = "\x1b[2J"
C1_CSI = "\x9b1m"
RIGHT_TO_LEFT = "\u202eN\u202c"


def write_project(folder: Path, *people: tuple[Mapping[str, object], Mapping[str, object]]) -> None:
    (folder / "campaigns").mkdir()
    (folder / "campaigns" / "c.yaml").write_text(
        "id: c\ntitle: T\ntemplate: t\naudience: {age: {min: 18}}\n", encoding="utf-8"
    )
    (folder / "templates" / "t").mkdir(parents=True)
    (folder / "templates" / "t" / "nb.md.j2").write_text("Hei\n", encoding="utf-8")
    (folder / "proaktive.yaml").write_text(
        "registry: registry/\ntemplates: templates/\n", encoding="utf-8"
    )
    write_registry(
        folder / "registry", [row for row, _ in people], [krr(row, **kr) for row, kr in people]
    )


def command(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str) -> list[list[str]]:
    """The cells of each row of a Rich table, for the rows that have cells."""
    return [
        [cell.strip() for cell in line.strip("│┃").split("│")]
        for line in out.splitlines()
        if line.startswith("│")
    ]


def test_a_name_that_is_rich_markup_is_shown_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person(fornavn="[/]", etternavn="[b]N[/b]")
    ola = person("1981-01-01", fornavn=":warning:", etternavn="Ola\\")
    write_project(tmp_path, (kari, {}), (ola, {}))
    code, out, err = command(capsys, "audience", "list", "campaigns/c.yaml", "--as-of", AS_OF)
    assert (code, err) == (0, "")
    # The table may put each name above its address: every cell is read as it stands.
    cells = [cell for row in table_rows(out) for cell in row]
    assert "[/] [b]N[/b]" in cells
    assert ":warning: Ola\\" in cells
    assert "⚠" not in out


def test_control_characters_in_names_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person(fornavn=OSC8_LINK, etternavn=CLEAR_SCREEN + C1_CSI + RIGHT_TO_LEFT + "\x07")
    write_project(tmp_path, (kari, {"epostadresse": "k@example.no"}))
    code, out, err = command(capsys, "audience", "list", "campaigns/c.yaml", "--as-of", AS_OF)
    assert (code, err) == (0, "")
    assert not CONTROL.search(out)
    (row,) = table_rows(out)
    assert row[1] == "]8;;x\\K]8;;\\ [2J1mN"


def test_a_language_that_is_markup_or_controls_in_the_groups_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari, ola = person(), person("1981-01-01")
    write_project(tmp_path, (kari, {"spraak": "[/]"}), (ola, {"spraak": "\x1b[2Jnb\u202e"}))
    code, out, err = command(
        capsys, "audience", "count", "campaigns/c.yaml", "--as-of", AS_OF, "--by", "language"
    )
    assert (code, err) == (0, "")
    assert not CONTROL.search(out)
    assert ["(unknown)", "2"] in table_rows(out)  # only known languages are kept


def test_json_escapes_what_a_terminal_would_act_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reservasjon = "\x1b[2J\u202e\x9b\x7f"
    write_project(tmp_path, (person(), {"reservasjon": reservasjon}))
    code, out, err = command(capsys, "registry", "check", "--json")
    assert (code, err) == (1, "")
    assert not CONTROL.search(out)
    assert "reservasjon '\\u001b[2J\\u202e\\u009b\\u007f' is not one of JA, NEI" in out
    (error,) = json.loads(out)["data_errors"]
    assert error["reason"] == f"reservasjon '{reservasjon}' is not one of JA, NEI"


def test_a_campaign_value_with_escape_sequences_in_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path)
    # YAML's double quotes turn \e into ESC and \u202e into a right-to-left override.
    (tmp_path / "campaigns" / "c.yaml").write_text(
        'id: c\ntitle: T\ntemplate: t\naudience: {district: "\\e[2J[/]Frogner\\u202e"}\n',
        encoding="utf-8",
    )
    code, out, err = command(capsys, "validate", "campaigns/c.yaml")
    assert (code, out) == (1, "")
    assert err == (
        "error: campaigns/c.yaml:4:22: unknown district '[2J[/]Frogner' (did you mean Frogner?)\n"
    )


def test_a_file_name_with_escape_sequences_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = command(capsys, "validate", f"{CLEAR_SCREEN}[/]x.yaml")
    assert (code, out) == (1, "")
    assert err == "error: [2J[/]x.yaml: file not found\n"
    code, out, err = command(capsys, "audience", "count", "c.yaml", "--as-of", f"{C1_CSI}[/]")
    assert code == 2
    assert not CONTROL.search(err)
    assert "'1m[/]' is not a date like 2026-11-30" in err


def test_registry_check_shows_a_bad_value_without_its_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kari = person()
    write_project(tmp_path, (kari, {"reservasjon": "\x1b[2J[/]"}))
    code, out, err = command(capsys, "registry", "check")
    assert code == 1
    assert not CONTROL.search(out + err)
    assert "registry/krr.csv:2: reservasjon '[2J[/]' is not one of JA, NEI\n" in out


def test_a_crash_log_holds_no_control_characters(tmp_path: Path) -> None:
    try:
        raise ValueError(f"{OSC8_LINK} {CLEAR_SCREEN}{RIGHT_TO_LEFT}")
    except ValueError as error:
        path = report_crash(error)
    text = path.read_text(encoding="utf-8")
    assert not CONTROL.search(text)
    assert "ValueError: ]8;;x\\K]8;;\\ [2JN\n" in text


def test_a_registry_generated_into_a_folder_named_like_markup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = command(
        capsys, "registry", "generate", "[/]reg", "--people", "5", "--as-of", AS_OF
    )
    assert (code, err) == (0, "")
    assert out == "Wrote a synthetic registry of 5 people to [/]reg (seed 1, as of 2026-11-30).\n"
    assert (tmp_path / "[/]reg" / "personer.csv").is_file()


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
    tmp_path: Path,
) -> None:
    """OWASP: a cell that begins with = + - @ tab or CR gets a leading '."""
    people = [
        (person("1960-01-01"), {"epostadresse": "=cmd|'/C+calc'!A0@example.com"}),
        (person("1961-01-01"), {"epostadresse": "+47@example.com"}),
        (person("1962-01-01"), {"epostadresse": "-kari@example.no"}),
        (person("1963-01-01"), {"epostadresse": "ola=per@example.no"}),
    ]
    write_project(tmp_path, *people)
    written = tmp_path / "recipients.csv"
    argv = ["audience", "list", "campaigns/c.yaml", "--as-of", AS_OF, "--format", "csv"]
    with written.open("w", encoding="utf-8") as file:
        done = subprocess.run(
            [sys.executable, "-m", "proaktive", *argv, "--unmasked"],
            stdout=file,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert (done.returncode, done.stderr) == (0, "")
    with written.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["personidentifikator", "epostadresse", "spraak", "bydelsnummer"],
        *(
            [str(row["personidentifikator"]), email, "nb", "030105"]
            for (row, _), email in zip(
                people,
                [
                    "'=cmd|'/C+calc'!A0@example.com",
                    "'+47@example.com",
                    "'-kari@example.no",
                    "ola=per@example.no",
                ],
                strict=True,
            )
        ),
    ]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+47", "'+47"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tnb", "'\tnb"),
        ("\r=1", "'\r=1"),
        ("nb", "nb"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(cell: str, written: str) -> None:
    """Every start OWASP names, also those no registry value can have (a CR)."""
    assert spreadsheet_safe(cell) == written

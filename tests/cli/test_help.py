"""Help an operator can read: -h everywhere, value names instead of Python types, --version."""

from __future__ import annotations

from importlib.metadata import version

import pytest
import typer.main

from proaktive.cli.main import app, run


def _command_lines() -> list[list[str]]:
    """Every command and group: [], ["audience"], ["audience", "count"], ..."""
    found: list[list[str]] = [[]]
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        found.append([name])
        for sub in getattr(command, "commands", None) or {}:
            found.append([name, sub])
    return found


@pytest.mark.parametrize("command", _command_lines(), ids=lambda words: " ".join(words) or "-")
def test_help_shows_value_names_not_python_types(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run([*command, "-h"]) == 0
    short = capsys.readouterr().out
    assert run([*command, "--help"]) == 0
    assert capsys.readouterr().out == short
    for python_type in ("<bool>", "<int", "<str>", "<path>", "<file>", "<dir>", "<list", "x>="):
        assert python_type not in short


def test_options_name_their_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["audience", "list", "-h"]) == 0
    rows = [" ".join(line.strip("│ ").split()) for line in capsys.readouterr().out.splitlines()]
    assert "--format table|csv|json table, csv or json. [default: table]" in rows
    assert "--unmasked Show identifiers in full (csv and json only)." in rows
    assert "--limit N Show at most N recipients." in rows
    assert "* CAMPAIGN Campaign file (YAML). [required]" in rows


def test_generate_says_what_as_of_does_there(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert run(["registry", "generate", "-h"]) == 0
    shown = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert (
        "--as-of DATE The day the registry is made for, YYYY-MM-DD: ages, moves and KRR dates "
        "are counted back from it (default: today in Oslo)."
    ) in shown
    assert "Evaluate the campaign" not in shown


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out == f"proaktive {version('proaktive')}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audience", "list", "c.yaml", "--limit", "-1"], "'--limit': -1 is less than 0"),
        (
            ["registry", "generate", "out", "--people", "many"],
            "'--people': 'many' is not a whole number",
        ),
        (["registry", "generate", "out", "--seed", "x"], "'--seed': 'x' is not a whole number"),
        (["preview", "c.yaml", "--sample", "0"], "'--sample': 0 is less than 1"),
        (
            ["audience", "list", "c.yaml", "--format", "xlsx"],
            "'--format': 'xlsx' is not table, csv or json",
        ),
        (
            ["audience", "count", "c.yaml", "--by", "age"],
            "'--by': 'age' is not district or language",
        ),
    ],
)
def test_wrong_values_are_said_in_words(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Typer's own words were pydantic's: "Input should be a valid integer, unable to
    # parse string as an integer", "Value error, 'x' is not one of 'a', 'b'."
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"Error: Invalid value for {message}"
    assert "Input should" not in err and "Value error" not in err

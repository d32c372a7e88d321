"""Docs that cannot drift: every command has help, and the README names it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from proaktive.cli.main import app, run

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _help_texts() -> dict[str, str]:
    """Each command line (`audience count`) and the help its command declares."""
    group = typer.main.get_command(app)
    found = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for sub, subcommand in (getattr(command, "commands", None) or {}).items():
            found[f"{name} {sub}"] = subcommand.help or ""
        if not getattr(command, "commands", None):
            found[name] = command.help or ""
    return found


def _commands() -> list[str]:
    return sorted(_help_texts())


def test_every_command_is_listed() -> None:
    assert _commands() == [
        "approve",
        "audience count",
        "audience list",
        "ledger status",
        "preview",
        "registry check",
        "registry generate",
        "registry snapshot",
        "send",
        "validate",
    ]


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_and_is_in_the_readme(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = _help_texts()[command]
    assert len(declared.split()) >= 4  # a sentence, not a word
    assert run([*command.split(), "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert " ".join(declared.split()[:4]) in shown
    assert f"proaktive {command}" in README


def test_the_readme_shows_the_two_commands_near_the_top() -> None:
    top = README[:1500]
    assert "pip install -q -e . && .venv/bin/proaktive audience count" in top
    assert 'pip install -q -e ".[test]"' in top and ".venv/bin/pytest" in top


def test_the_readme_says_later_commands_need_the_virtual_environment() -> None:
    # After the two install lines, commands are written as `proaktive ...`.
    assert "source .venv/bin/activate" in README[:2500]
    assert README.index("source .venv/bin/activate") < README.index("proaktive registry check")

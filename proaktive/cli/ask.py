"""Asking the person at the terminal a yes/no question, and refusing when nobody is there."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer


def can_ask() -> bool:
    """Whether a person can answer: standard input is a terminal (not cron, not a pipe)."""
    return sys.stdin.isatty()


def refuse_without_terminal(question: str) -> NoReturn:
    """Exit 2 (wrong use of the command line): nobody can answer `question`, and no --yes."""
    from proaktive.cli.output import print_error

    print_error(f"there is no terminal to ask '{question}': run it in a terminal, or give --yes")
    raise typer.Exit(2)


def ask(question: str) -> bool:
    """The answer to a yes/no question; no unless the person types yes (or y)."""
    return typer.confirm(question, default=False)

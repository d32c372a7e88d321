"""Options that several commands share, and turning them into the paths to use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from proaktive.settings import Paths

OSLO = ZoneInfo("Europe/Oslo")

CampaignArgument = Annotated[
    Path, typer.Argument(help="Campaign file (YAML).", dir_okay=False, metavar="CAMPAIGN")
]
SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="Settings file (default: proaktive.yaml here or in the nearest folder above).",
        dir_okay=False,
        metavar="FILE",
    ),
]
RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        help="Registry folder (default: $PROAKTIVE_REGISTRY, else 'registry' in the settings).",
        file_okay=False,
        metavar="DIR",
    ),
]
LedgerOption = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="Send ledger (default: $PROAKTIVE_LEDGER, else 'ledger' in the settings).",
        dir_okay=False,
        metavar="FILE",
    ),
]


def parse_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError(value)  # fromisoformat also takes 20261130 and week dates
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date like 2026-11-30") from None


AsOfOption = Annotated[
    dt.date | None,
    typer.Option(
        "--as-of",
        help="Evaluate the campaign for this date, YYYY-MM-DD (default: today in Oslo).",
        parser=parse_date,
        metavar="DATE",
    ),
]


def whole_number(minimum: int | None = None) -> Callable[[str | int | None], int | None]:
    """A parser for a number option: a whole number, of at least `minimum` if given.

    Typer's own conversion says "Input should be a valid integer, unable to parse
    string as an integer", and its `min=` shows `<int range> [x>=0]` in help: a parser
    says it in words.
    """

    def parse(value: str | int | None) -> int | None:
        if value is None or isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            raise typer.BadParameter(f"'{value}' is not a whole number") from None
        if minimum is not None and number < minimum:
            raise typer.BadParameter(f"{number} is less than {minimum}")
        return number

    return parse


Choice = TypeVar("Choice", bound=StrEnum)


def one_of(choices: type[Choice]) -> Callable[[str | Choice | None], Choice | None]:
    """A parser for an option with a few values, ignoring case (`--by District`).

    Typer's own says "Value error, 'x' is not one of 'a', 'b'." (pydantic's words).
    """

    def parse(value: str | Choice | None) -> Choice | None:
        if value is None or isinstance(value, choices):
            return value
        for choice in choices:
            if choice.value == value.strip().lower():
                return choice
        names = [choice.value for choice in choices]
        listed = " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))
        raise typer.BadParameter(f"'{value}' is not {listed}")

    return parse


def today_in_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()


def paths(settings: Path | None, registry: Path | None, ledger: Path | None = None) -> Paths:
    from proaktive.settings import resolve_paths

    return resolve_paths(settings_option=settings, registry_option=registry, ledger_option=ledger)

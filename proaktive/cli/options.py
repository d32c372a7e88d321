"""Options that several commands share, and turning them into the paths to use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from proaktive.settings import Paths

OSLO = ZoneInfo("Europe/Oslo")

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


def whole_number(minimum: int) -> Callable[[str | int | None], int | None]:
    """A parser for a count option: a whole number of at least `minimum`.

    Typer's own `min=` would show `<int range> [x>=0]` in help and "not in the range
    x>=0" in its error: a parser says it in words.
    """

    def parse(value: str | int | None) -> int | None:
        if value is None or isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            raise typer.BadParameter(f"'{value}' is not a whole number") from None
        if number < minimum:
            raise typer.BadParameter(f"{number} is less than {minimum}")
        return number

    return parse


def today_in_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()


def paths(settings: Path | None, registry: Path | None, ledger: Path | None = None) -> Paths:
    from proaktive.settings import resolve_paths

    return resolve_paths(settings_option=settings, registry_option=registry, ledger_option=ledger)


def not_yet_available(what: str) -> None:
    from proaktive.cli.output import print_error

    print_error(f"'{what}' is not yet available in this version of proaktive")
    raise typer.Exit(1)

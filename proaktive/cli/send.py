"""`proaktive send`: send a campaign over SMTP, once per person, with the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import (
    AsOfOption,
    LedgerOption,
    RegistryOption,
    SettingsOption,
    not_yet_available,
    whole_number,
)


def send(
    campaign: Annotated[Path, typer.Argument(help="Campaign file (YAML).", metavar="CAMPAIGN")],
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Render, don't send.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="With --dry-run: write .eml files here.", metavar="DIR")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask for confirmation.")] = False,
    limit: Annotated[
        int | None,
        typer.Option(help="Send at most N messages.", parser=whole_number(0), metavar="N"),
    ] = None,
    to: Annotated[
        str | None, typer.Option(help="Send test samples to this address.", metavar="ADDRESS")
    ] = None,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Send the campaign over SMTP (or --dry-run), recording every message in the ledger."""
    not_yet_available("send")

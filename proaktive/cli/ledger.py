"""`proaktive ledger`: what has been sent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import LedgerOption, SettingsOption, not_yet_available

app = typer.Typer(help="The send ledger: what has been sent to whom (pseudonymised).")


@app.command("status")
def status(
    campaign: Annotated[
        Path | None, typer.Argument(help="Campaign file (YAML).", metavar="CAMPAIGN")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show the runs and outcomes recorded in the ledger."""
    not_yet_available("ledger status")

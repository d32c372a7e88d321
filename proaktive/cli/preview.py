"""`proaktive preview`: sample recipients and the rendered e-mail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import (
    AsOfOption,
    RegistryOption,
    SettingsOption,
    not_yet_available,
    whole_number,
)


def preview(
    campaign: Annotated[Path, typer.Argument(help="Campaign file (YAML).", metavar="CAMPAIGN")],
    as_of: AsOfOption = None,
    person: Annotated[
        str | None, typer.Option(help="Preview for this identifier.", metavar="ID")
    ] = None,
    sample: Annotated[
        int, typer.Option(help="How many sample recipients.", parser=whole_number(1), metavar="N")
    ] = 3,
    html: Annotated[
        Path | None, typer.Option(help="Write the HTML part to this file.", metavar="FILE")
    ] = None,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
) -> None:
    """Show sample recipients and the rendered e-mail."""
    not_yet_available("preview")

"""`proaktive validate`: check campaign files, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import SettingsOption, not_yet_available


def validate(
    campaigns: Annotated[list[Path], typer.Argument(help="Campaign files (YAML).")],
    settings: SettingsOption = None,
) -> None:
    """Check campaign files and report every problem, with file:line:column."""
    not_yet_available("validate")

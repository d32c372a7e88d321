"""`proaktive registry`: check the exports, or generate a synthetic registry."""

from __future__ import annotations

import typer

app = typer.Typer(help="The registry folder: check the exports, generate synthetic ones.")

"""`proaktive audience`: who gets the campaign, and why the others don't."""

from __future__ import annotations

import typer

app = typer.Typer(help="Resolve a campaign's audience: the funnel and the recipients.")

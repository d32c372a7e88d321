"""`proaktive validate`: check campaign files, reporting every problem at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import SettingsOption, paths


def validate(
    campaigns: Annotated[
        list[Path], typer.Argument(help="Campaign files (YAML).", metavar="CAMPAIGN")
    ],
    settings: SettingsOption = None,
) -> None:
    """Check campaign files and report every problem, with file:line:column."""
    from proaktive.campaign import campaign_problems
    from proaktive.campaign.ids import shared_ids
    from proaktive.cli.output import plain, print_error, stdout

    loaded = paths(settings, None).settings
    shared = shared_ids(campaigns)
    failed = False
    for campaign in campaigns:
        problems = sorted(
            [*campaign_problems(campaign, loaded), *shared.get(campaign, [])],
            key=lambda problem: (problem.location.line or 0, problem.location.column or 0),
        )
        for problem in problems:
            print_error(str(problem))
        if not problems:
            stdout.print(plain(f"{campaign}: ok"), soft_wrap=True)
        failed = failed or bool(problems)
    if failed:
        raise typer.Exit(1)

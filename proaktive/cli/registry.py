"""`proaktive registry`: check the exports, or generate a synthetic registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import (
    RegistryOption,
    SettingsOption,
    parse_date,
    paths,
    today_in_oslo,
    whole_number,
)

app = typer.Typer(
    help="The registry folder: check the exports, manage their snapshot, generate synthetic ones."
)

SHOWN_ERRORS = 20
# The generator's people are up to 100 years old, with KRR histories further back: as of
# the first century, their birth dates would lie before year 1.
EARLIEST_GENERATED_AS_OF = dt.date(200, 1, 1)


@app.command("check")
def check(
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
) -> None:
    """Summarise the registry folder and list every row that cannot be used (exit 1 if any)."""
    from proaktive.cli.output import print_json, print_registry_check
    from proaktive.cli.snapshot import open_snapshot
    from proaktive.registry.check import check_registry

    result = check_registry(open_snapshot(paths(settings, registry)))
    if json:
        print_json(result.to_json())
    else:
        print_registry_check(result, shown_errors=SHOWN_ERRORS)
    if not result.clean:
        raise typer.Exit(1)


@app.command("snapshot")
def snapshot(
    drop: Annotated[
        bool, typer.Option("--drop", help="Delete the snapshot; the next command builds it anew.")
    ] = False,
    settings: SettingsOption = None,
) -> None:
    """Manage the snapshot of the checked exports (it holds personal data)."""
    from proaktive.cli.output import plain, stdout
    from proaktive.registry.snapshot import drop_snapshot

    if not drop:
        raise typer.BadParameter("say what to do with the snapshot: --drop", param_hint="--drop")
    path = paths(settings, None).settings.snapshot
    if drop_snapshot(path):
        stdout.print(plain(f"Deleted the snapshot {path}."), soft_wrap=True)
    else:
        stdout.print(plain(f"There is no snapshot at {path}."), soft_wrap=True)


@app.command("generate")
def generate(
    folder: Annotated[
        Path, typer.Argument(help="Folder to write the registry into.", metavar="DIR")
    ],
    people: Annotated[
        int, typer.Option(help="How many people.", parser=whole_number(1), metavar="N")
    ] = 10_000,
    seed: Annotated[
        int,
        typer.Option(
            help="Random seed: the same seed gives the same files.",
            parser=whole_number(),
            metavar="N",
        ),
    ] = 1,
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            "--as-of",
            help="The day the registry is made for, YYYY-MM-DD: ages, moves and KRR dates "
            "are counted back from it (default: today in Oslo).",
            parser=parse_date,
            metavar="DATE",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace export files already in the folder.")
    ] = False,
) -> None:
    """Write a synthetic registry (synthetic identifiers only) in the export formats."""
    from proaktive.cli.output import plain, stdout
    from proaktive.errors import ProaktiveError
    from proaktive.synthetic.generate import generate_registry

    date: dt.date = as_of or today_in_oslo()
    if date < EARLIEST_GENERATED_AS_OF:
        raise ProaktiveError(
            f"--as-of {date.isoformat()} is too early for a synthetic registry",
            hint=f"its people are up to 100 years old: use "
            f"{EARLIEST_GENERATED_AS_OF.isoformat()} or later",
        )
    with stdout.status("Generating…") as status:
        result = generate_registry(
            folder,
            people=people,
            seed=seed,
            as_of=date,
            progress=lambda message: status.update(plain(message)),  # it names files
            overwrite=overwrite,
        )
    stdout.print(
        f"Wrote a synthetic registry of {result.people:,} people to {plain(folder)} "
        f"(seed {seed}, as of {date.isoformat()})."
    )

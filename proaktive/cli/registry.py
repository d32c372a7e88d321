"""`proaktive registry`: check the exports, or generate a synthetic registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from proaktive.cli.options import (
    AsOfOption,
    RegistryOption,
    SettingsOption,
    paths,
    today_in_oslo,
)

app = typer.Typer(help="The registry folder: check the exports, generate synthetic ones.")

SHOWN_ERRORS = 20


@app.command("check")
def check(
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
) -> None:
    """Summarise the registry folder and list every row that cannot be used (exit 1 if any)."""
    from proaktive.cli.output import print_json, print_registry_check, stderr
    from proaktive.registry.check import check_registry
    from proaktive.registry.memo import CheckedFiles, default_memo_path

    folder = paths(settings, registry).require_registry()
    with stderr.status("Checking every row…"):
        result = check_registry(folder, CheckedFiles(default_memo_path()))
    if json:
        print_json(result.to_json())
    else:
        print_registry_check(result, shown_errors=SHOWN_ERRORS)
    if not result.clean:
        raise typer.Exit(1)


@app.command("generate")
def generate(
    folder: Annotated[
        Path, typer.Argument(help="Folder to write the registry into.", metavar="DIR")
    ],
    people: Annotated[int, typer.Option(help="How many people.", min=1)] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    as_of: AsOfOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace export files already in the folder.")
    ] = False,
) -> None:
    """Write a synthetic registry (synthetic identifiers only) in the export formats."""
    from proaktive.cli.output import plain, stdout
    from proaktive.registry.generate import generate_registry

    date: dt.date = as_of or today_in_oslo()
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

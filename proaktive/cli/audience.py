"""`proaktive audience`: who gets the campaign, and why the others don't."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proaktive.cli.options import (
    AsOfOption,
    CampaignArgument,
    LedgerOption,
    RegistryOption,
    SettingsOption,
    one_of,
    paths,
    today_in_oslo,
    whole_number,
)

if TYPE_CHECKING:
    from proaktive.audience.model import Audience

app = typer.Typer(help="Resolve a campaign's audience: the funnel and the recipients.")


class GroupBy(StrEnum):
    district = "district"
    language = "language"


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _resolve(
    campaign_path: Path,
    as_of: dt.date | None,
    registry: Path | None,
    settings: Path | None,
    ledger: Path | None,
    fetch: int | None,
    unreachable: bool = False,
) -> Audience:
    from proaktive.audience.resolve import ContactPolicy, needed_exports, resolve
    from proaktive.campaign import load_campaign
    from proaktive.cli.output import print_warning, stderr
    from proaktive.cli.snapshot import open_snapshot

    where = paths(settings, registry, ledger)
    campaign = load_campaign(campaign_path, where.settings)
    opened = open_snapshot(where)
    for warning in opened.old_exports(
        needed_exports(campaign), where.settings.max_export_age_days.model_dump(), today_in_oslo()
    ):
        print_warning(warning)
    with stderr.status("Resolving the audience…") as status:
        audience = resolve(
            campaign,
            opened,
            as_of=as_of or today_in_oslo(),
            policy=ContactPolicy.of(where.settings, where.ledger),
            fetch=fetch,
            fetch_unreachable=unreachable,
            progress=status.update,
        )
    for warning in audience.warnings:
        print_warning(warning)
    return audience


@app.command("count")
def count(
    campaign: CampaignArgument,
    as_of: AsOfOption = None,
    by: Annotated[
        GroupBy | None,
        typer.Option(
            "--by",
            help="Also count recipients per district or language.",
            metavar="district|language",
            parser=one_of(GroupBy),
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show the funnel: population, matched, every reason for exclusion, recipients."""
    from proaktive.cli.output import print_funnel, print_groups, print_json

    audience = _resolve(campaign, as_of, registry, settings, ledger, fetch=0)
    groups = None
    if by is GroupBy.district:
        groups = audience.by_district
    elif by is GroupBy.language:
        groups = audience.by_language
    if json:
        document: dict[str, object] = {
            "campaign": audience.campaign_id,
            "as_of": audience.as_of.isoformat(),
            "population": audience.funnel.population,
            "matched": audience.funnel.matched,
            "excluded": audience.funnel.excluded,
            "recipients": audience.funnel.recipients,
            "skipped_rows": audience.skipped_rows,
        }
        if audience.without_coordinates is not None:  # an area campaign
            document["without_coordinates"] = audience.without_coordinates
        if groups is not None:
            document["by"] = groups
        print_json(document)
        return
    print_funnel(audience)
    if by is not None and groups is not None:
        print_groups(by.value, groups)


@app.command("list")
def list_recipients(
    campaign: CampaignArgument,
    as_of: AsOfOption = None,
    output_format: Annotated[
        ListFormat,
        typer.Option(
            "--format",
            help="table, csv or json.",
            metavar="table|csv|json",
            parser=one_of(ListFormat),
        ),
    ] = ListFormat.table,
    unmasked: Annotated[
        bool,
        typer.Option("--unmasked", help="Show identifiers in full (csv and json only)."),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", help="Show at most N recipients.", parser=whole_number(0), metavar="N"
        ),
    ] = None,
    unreachable: Annotated[
        bool,
        typer.Option(
            "--unreachable",
            help="List instead the matched people e-mail cannot reach, with postal addresses "
            "for a letter (never a protected address, never anyone who opted out).",
        ),
    ] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """List the recipients, sorted by identifier (masked unless --unmasked)."""
    from proaktive.cli.output import (
        print_json,
        print_recipients_csv,
        print_recipients_table,
        print_unreachable,
        stderr,
    )
    from proaktive.registry.identifiers import mask

    if unmasked and output_format is ListFormat.table:
        raise typer.BadParameter(
            "a table never shows identifiers in full: use --format csv or json",
            param_hint="--unmasked",
        )
    shown = (lambda value: value) if unmasked else mask
    if unreachable:
        letters = _resolve(campaign, as_of, registry, settings, ledger, fetch=0, unreachable=True)
        print_unreachable(letters, output_format.value, shown, limit)
        return
    audience = _resolve(campaign, as_of, registry, settings, ledger, fetch=limit)
    if output_format is ListFormat.json:
        document = {
            "campaign": audience.campaign_id,
            "as_of": audience.as_of.isoformat(),
            "recipients": [
                {
                    "personidentifikator": shown(r.personidentifikator),
                    "epostadresse": r.epostadresse,
                    "spraak": r.spraak,
                    "bydelsnummer": r.bydelsnummer,
                }
                for r in audience.recipients
            ],
        }
        print_json(document)
    elif output_format is ListFormat.csv:
        print_recipients_csv(audience, shown)
    else:
        print_recipients_table(audience)  # says how many of how many itself
        return
    if len(audience.recipients) < audience.funnel.recipients:
        # On stderr: stdout is the data a script reads.
        stderr.print(
            f"{len(audience.recipients):,} of {audience.funnel.recipients:,} recipients "
            f"listed (--limit {limit}).",
            markup=False,
        )

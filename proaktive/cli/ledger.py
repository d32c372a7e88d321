"""`proaktive ledger`: what has been sent, and what was approved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proaktive.cli.options import OSLO, LedgerOption, SettingsOption, paths

if TYPE_CHECKING:
    from proaktive.ledger import CampaignStatus, LedgerStatus

app = typer.Typer(help="The send ledger: what has been sent to whom (pseudonymised).")


@app.command("status")
def status(
    campaign: Annotated[
        Path | None,
        typer.Argument(
            help="Campaign file (YAML): show only its id.", dir_okay=False, metavar="CAMPAIGN"
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show each campaign's approvals, runs and messages per state, as the ledger records them."""
    from proaktive.cli.output import print_json
    from proaktive.ledger import ledger_status

    where = paths(settings, None, ledger)
    campaign_id = None
    if campaign is not None:
        from proaktive.campaign import load_campaign

        campaign_id = load_campaign(campaign, where.settings).id
    found = ledger_status(where.ledger, campaign_id)
    if found.key_problem is not None:
        from proaktive.cli.output import print_warning

        print_warning(str(found.key_problem))
    if json:
        print_json({"campaigns": [_document(campaign) for campaign in found.campaigns]})
    else:
        _print(found)


def _document(campaign: CampaignStatus) -> dict[str, object]:
    return {
        "campaign": campaign.campaign_id,
        "approvals": [
            {
                "approved_at": _utc(approval.approved_at),
                "approved_by": approval.approved_by,
                "login": approval.login,
                "recipients": approval.recipients,
                "content_hash": approval.content_hash,
                "note": approval.note,
            }
            for approval in campaign.approvals
        ],
        "runs": [
            {
                "started_at": _utc(run.started_at),
                "ended_at": _utc(run.ended_at) if run.ended_at else None,
                "status": run.status,
                "as_of": run.as_of.isoformat(),
                "operator": run.operator,
                "content_hash": run.content_hash,
                "recipients": run.recipients,
                **run.counts,
            }
            for run in campaign.runs
        ],
        "messages": campaign.messages,
    }


def _print(found: LedgerStatus) -> None:
    from proaktive.cli.output import plain, stdout

    def say(text: str) -> None:
        stdout.print(text, soft_wrap=True)

    if not found.exists:
        say(f"No ledger at {plain(found.path)} yet: nothing has been sent.")
    for number, campaign in enumerate(found.campaigns):
        if number:
            say("")
        messages = ", ".join(f"{count:,} {state}" for state, count in campaign.messages.items())
        say(f"[bold]{plain(campaign.campaign_id)}[/bold]: messages {messages}")
        for approval in campaign.approvals:
            by = plain(approval.approved_by)
            if approval.approved_by != approval.login:
                by += f" (login {plain(approval.login)})"
            note = f": {plain(approval.note)}" if approval.note else ""
            say(
                f"  approved {_local(approval.approved_at)} by {by}, "
                f"{approval.recipients:,} recipients, content {approval.content_hash[:12]}{note}"
            )
        if not campaign.approvals:
            say("  no approval recorded")
        for run in campaign.runs:
            counts = ", ".join(f"{count:,} {state}" for state, count in run.counts.items())
            say(
                f"  run {_local(run.started_at)} by {plain(run.operator)}, {run.status}: "
                f"{run.recipients:,} recipients; {counts}; content {run.content_hash[:12]}"
            )
        if not campaign.runs:
            say("  no run recorded")


def _utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat(timespec="seconds")


def _local(instant: dt.datetime) -> str:
    return f"{instant.astimezone(OSLO):%Y-%m-%d %H:%M}"

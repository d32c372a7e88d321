"""`proaktive approve`: a person judges a campaign as it is now, and the ledger records it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proaktive.cli.options import (
    AsOfOption,
    CampaignArgument,
    LedgerOption,
    RegistryOption,
    SettingsOption,
    paths,
    today_in_oslo,
)
from proaktive.errors import ProaktiveError

if TYPE_CHECKING:
    from proaktive.ledger import Approval, ContentHash

QUESTION = "Approve?"
SAMPLES = 3  # as many as `preview` shows by default


class ChangedWhileShown(ProaktiveError):
    """A file of the campaign changed between showing it and the answer: not what was seen."""


def approve(
    campaign: CampaignArgument,
    as_of: AsOfOption = None,
    by: Annotated[
        str | None,
        typer.Option(help="Who approves (default: the login name).", metavar="NAME"),
    ] = None,
    note: Annotated[
        str | None, typer.Option(help="A note kept with the approval.", metavar="TEXT")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Approve without asking.")] = False,
    registry: RegistryOption = None,
    settings: SettingsOption = None,
    ledger: LedgerOption = None,
) -> None:
    """Show the campaign as preview does, ask "Approve?", and record the approval in the ledger."""
    from proaktive.campaign import load_campaign
    from proaktive.cli.ask import ask, can_ask, refuse_without_terminal
    from proaktive.cli.output import plain, stderr, stdout
    from proaktive.cli.preview import show_in_terminal
    from proaktive.delivery.approval import describe, shown
    from proaktive.ledger import content_hash, open_ledger

    if by is not None and not by.strip():
        raise typer.BadParameter("a name is needed", param_hint="--by")
    if not yes and not can_ask():  # before any work: cron would wait for nothing
        refuse_without_terminal(QUESTION)
    where = paths(settings, registry, ledger)
    loaded = load_campaign(campaign, where.settings)
    # Hashed before it is shown, and again after the answer: the approval is for what was seen.
    content = content_hash(loaded)
    day = as_of or today_in_oslo()
    seen = show_in_terminal(loaded, where, day, SAMPLES)
    recipients = seen.audience.funnel.recipients
    stdout.print()
    stdout.print(plain(_since_last(content, _approvals(where.ledger, loaded.id))), soft_wrap=True)
    stdout.print(
        plain(f"Content {content.short} of {loaded.id}: {recipients:,} recipients as of {day}."),
        soft_wrap=True,
    )
    if not yes and not ask(QUESTION):
        stderr.print("Not approved: nothing recorded.")
        raise typer.Exit(1)
    now = content_hash(loaded)
    if now.digest != content.digest:
        changed = ", ".join(now.changed_since(content.files))
        raise ChangedWhileShown(
            f"campaign {loaded.id} changed while it was shown ({changed}): nothing recorded",
            hint=f"run proaktive approve {shown(loaded.source)} again",
        )
    with open_ledger(where.ledger) as opened:
        approval = opened.record_approval(
            loaded.id,
            content,
            approved_by=by.strip() if by is not None else None,
            recipients=recipients,
            note=note or None,
        )
    said = f"; note: {approval.note}" if approval.note else ""
    stdout.print(
        plain(f"Approved {loaded.id}, content {content.short}: {describe(approval)}{said}."),
        soft_wrap=True,
    )
    stdout.print(plain(f"Recorded in {shown(where.ledger)}."), soft_wrap=True)


def _approvals(ledger: Path, campaign_id: str) -> tuple[Approval, ...]:
    from proaktive.ledger import read_ledger

    opened = read_ledger(ledger)  # reading creates no ledger: a "no" leaves none behind
    if opened is None:
        return ()
    with opened:
        return opened.approvals(campaign_id)


def _since_last(content: ContentHash, approvals: tuple[Approval, ...]) -> str:
    """How this content stands to the last approval: what the approver judges anew."""
    from proaktive.delivery.approval import changed_files, describe

    if not approvals:
        return "Not approved before."
    last = approvals[-1]
    if last.content_hash == content.digest:
        return f"Approved before as it is now: {describe(last)}."
    return f"Changed since the last approval ({describe(last)}): {changed_files(content, last)}."

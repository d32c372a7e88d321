"""The approval check of a real send: a person judged this very content, at about this size.

`shared/spec/delivery.md`, "Approval: a person decides every time". A real `send` calls
`check_send_approval` once, after resolving the audience and before opening any SMTP
connection. Dry runs and `--to` test sends never call it: they send nobody anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from proaktive.campaign.model import Campaign
from proaktive.errors import ProaktiveError
from proaktive.ledger import Approval, ContentHash, Ledger, Run
from proaktive.ledger.content import SENDER
from proaktive.ledger.rounds import OSLO

ApprovalMode = Literal["required", "four-eyes", "off"]

# The audience-growth guard: a send stops when its recipients are more than GROWTH_FACTOR
# times the largest count seen since the approval AND more than GROWTH_MARGIN above it
# (the margin keeps a campaign of 3 from stopping at 10).
GROWTH_FACTOR = 3
GROWTH_MARGIN = 50


class SendRefused(ProaktiveError):
    """A real send that may not go out as it is (no approval, or an audience grown too much)."""


def check_send_approval(
    campaign: Campaign,
    content: ContentHash,
    ledger: Ledger | None,
    mode: ApprovalMode,
    login: str,
    recipients: int,
    *,
    ask: Callable[[str], bool] | None,
) -> None:
    """Refuse (`SendRefused`) a real send that no person approved as it is now.

    `content` is the campaign's content hash now, `ledger` the send's ledger (None when
    there is no ledger file yet: then nothing was ever approved), `mode` the settings'
    `approval`, `login` the login name running the send, `recipients` its audience.
    With `required`, some approval must be of `content`; with `four-eyes`, one recorded
    by another login than `login`; `off` checks nothing, the growth guard included (it
    measures against an approval). When the audience grew past the guard, `ask` gets
    the question and the send goes on only on yes; with `ask` None (`--yes`, nobody to
    ask) it is refused.

    Only for a real send: dry runs and `--to` test sends never call it.
    """
    if mode == "off":
        return
    approvals = ledger.approvals(campaign.id) if ledger is not None else ()
    approval = _valid_approval(campaign, content, approvals, mode, login)
    runs = ledger.runs(campaign.id) if ledger is not None else ()
    _guard_growth(campaign, approval, runs, recipients, ask)


def _valid_approval(
    campaign: Campaign,
    content: ContentHash,
    approvals: Sequence[Approval],
    mode: ApprovalMode,
    login: str,
) -> Approval:
    """The latest approval that lets `login` send `content`; SendRefused when there is none."""
    again = f"proaktive approve {shown(campaign.source)}"
    if not approvals:
        raise SendRefused(
            f"campaign {campaign.id} has never been approved, and the settings say "
            f"'approval: {mode}'",
            hint=f"a person reviews it and approves it with: {again}",
        )
    of_content = [approval for approval in approvals if approval.content_hash == content.digest]
    if not of_content:
        last = approvals[-1]
        raise SendRefused(
            f"campaign {campaign.id} has changed since its last approval "
            f"({describe(last)}): {changed_files(content, last)}",
            hint=f"a person reviews it again and approves it with: {again}",
        )
    if mode == "four-eyes":
        by_others = [approval for approval in of_content if approval.login != login]
        if not by_others:
            raise SendRefused(
                f"campaign {campaign.id} was approved by login {login}, which is the login "
                "running this send, and the settings say 'approval: four-eyes'",
                hint="send it from another login (such as the cron job's service account), "
                f"or have another person approve it: {again}",
            )
        return by_others[-1]
    return of_content[-1]


def _guard_growth(
    campaign: Campaign,
    approval: Approval,
    runs: Sequence[Run],
    recipients: int,
    ask: Callable[[str], bool] | None,
) -> None:
    # Runs since the approval count too: a daily campaign that has grown slowly, run
    # by run, to its size has been seen at that size.
    seen = max(
        [approval.recipients]
        + [run.recipients for run in runs if run.started_at >= approval.approved_at]
    )
    if recipients <= GROWTH_FACTOR * seen or recipients <= seen + GROWTH_MARGIN:
        return
    grown = (
        f"campaign {campaign.id} now has {recipients:,} recipients, more than three times "
        f"the {seen:,} seen at its approval ({describe(approval)}) or in a run since"
    )
    if ask is None:
        raise SendRefused(
            f"{grown}: with --yes, proaktive does not send to an audience that grew this much",
            hint="check the exports and the criteria (proaktive preview shows the funnel); if "
            "the audience is right, send without --yes and answer the question, or approve "
            f"it again: proaktive approve {shown(campaign.source)}",
        )
    if not ask(f"{grown}. Send to all {recipients:,} anyway?"):
        raise SendRefused(f"{grown}: not sent, as answered")


def describe(approval: Approval) -> str:
    """`2026-12-01 10:15 by Kari (login kari), 120 recipients`: an approval in a message."""
    by = approval.approved_by
    if approval.approved_by != approval.login:
        by += f" (login {approval.login})"
    return f"{local_time(approval.approved_at)} by {by}, {approval.recipients:,} recipients"


def changed_files(content: ContentHash, approval: Approval) -> str:
    """What differs between `content` and what `approval` saw, by name: files, and the sender."""
    names = []
    for name in content.changed_since(approval.files):
        if name == SENDER:
            names.append("the sender (From or Reply-To)")
        elif name not in approval.files:
            names.append(f"{name} (new)")
        elif name not in content.files:
            names.append(f"{name} (removed)")
        else:
            names.append(name)
    # The digest differs but no file does: only when the way the hash is made has changed.
    return ", ".join(names) or "the content hash is made differently"


def local_time(instant: dt.datetime) -> str:
    return f"{instant.astimezone(OSLO):%Y-%m-%d %H:%M}"


def shown(path: Path) -> str:
    """A path as the person typed it, near enough: relative to the current folder when inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)

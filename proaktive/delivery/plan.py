"""Before a send: which round each recipient gets, whether the content changed since an
unfinished run, and the messages rendered for SMTP.

The audience was resolved before the writer lock was taken; `plan` asks the ledger
again, under the lock, so that a person recorded meanwhile is never sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from proaktive.audience.model import Recipient
from proaktive.campaign.model import Campaign
from proaktive.delivery.run import Outgoing
from proaktive.ledger import ContentHash, Ledger, next_round, pseudonym
from proaktive.messages.message import MessageBuilder, message_id

# Starting worker processes costs about a second: fewer messages are rendered here.
PARALLEL_FROM = 2000


@dataclass(frozen=True)
class Planned:
    recipient: Recipient
    person: str  # the ledger's pseudonym
    round: int


def plan(
    recipients: Sequence[Recipient],
    key: bytes,
    ledger: Ledger | None,
    campaign: Campaign,
    *,
    as_of: dt.date,
    resend_unknown: bool = False,
) -> list[Planned]:
    """Each recipient with their pseudonym and round; those the ledger says not to send
    to now are left out (`ledger` None: nothing was sent, everyone gets round 1)."""
    latest = ledger.latest_rounds(campaign.id) if ledger is not None else {}
    planned = []
    for recipient in recipients:
        person = pseudonym(key, recipient.personidentifikator)
        round_ = next_round(
            latest.get(person),
            as_of=as_of,
            repeat_after_days=campaign.repeat_after_days,
            resend_unknown=resend_unknown,
        )
        if round_ is not None:
            planned.append(Planned(recipient, person, round_))
    return planned


def content_change(ledger: Ledger, campaign_id: str, content: ContentHash) -> str | None:
    """What differs from the content of the campaign's latest run, when that run did not
    finish or left messages deferred for the next run: sending now would mix two versions
    of a text. None when there is no such run, or its content is this one."""
    runs = ledger.runs(campaign_id)
    if not runs or runs[-1].content_hash == content.digest:
        return None
    last = runs[-1]
    deferred = last.counts.get("deferred", 0)
    if last.status == "finished" and not deferred:
        return None
    how = (
        f"{last.status} on {last.started_at:%Y-%m-%d %H:%M} UTC"
        if last.status != "finished"
        else f"of {last.started_at:%Y-%m-%d %H:%M} UTC left {deferred:,} messages deferred"
    )
    # The ledger keeps each file's hash with an approval: it can then name what changed.
    files = next(
        (
            a.files
            for a in reversed(ledger.approvals(campaign_id))
            if a.content_hash == last.content_hash
        ),
        None,
    )
    changed = f" ({', '.join(content.changed_since(files))} changed)" if files else ""
    return (
        f"the campaign's content has changed since its last run, which {how}: its "
        f"content was {last.content_hash[:12]}, now it is {content.short}{changed}"
    )


def envelope_sender(campaign: Campaign) -> str:
    return parseaddr(campaign.sender.from_)[1]


def render_outgoing(
    campaign: Campaign,
    planned: Sequence[Planned],
    *,
    as_of: dt.date,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> list[Outgoing]:
    """Every planned message rendered (on every core when there are many), in order.

    All are rendered before the first is sent: a template that breaks on one person's
    data stops the send before anyone has the campaign, never halfway through it.
    """
    say = progress or (lambda _: None)
    rounds = sorted({p.round for p in planned})
    rendered: dict[int, bytes] = {}
    done = 0
    for round_ in rounds:
        indices = [n for n, p in enumerate(planned) if p.round == round_]
        items = [(planned[n].recipient, planned[n].person) for n in indices]
        for n, data in zip(
            indices, _render(campaign, items, as_of, now, round_, say, done), strict=True
        ):
            rendered[n] = data
        done += len(indices)
    return [
        Outgoing(
            person=p.person,
            round=p.round,
            address=p.recipient.epostadresse,
            message_id=message_id(campaign, p.round, p.person),
            data=rendered[n],
        )
        for n, p in enumerate(planned)
    ]


def _render(
    campaign: Campaign,
    items: list[tuple[Recipient, str]],
    as_of: dt.date,
    now: dt.datetime,
    round_: int,
    say: Callable[[int], None],
    before: int,
) -> list[bytes]:
    if len(items) >= PARALLEL_FROM:
        from proaktive.messages.parallel import render_in_parallel

        return list(
            render_in_parallel(
                campaign,
                items,
                as_of=as_of,
                now=now,
                round_=round_,
                progress=lambda done: say(before + done),
            )
        )
    builder = MessageBuilder.for_campaign(campaign, as_of=as_of, now=now, round_=round_)
    rendered = []
    for number, (recipient, key) in enumerate(items, start=1):
        rendered.append(builder.build(recipient, key).as_bytes())
        if number % 100 == 0 or number == len(items):
            say(before + number)
    return rendered

"""Before a send: which round each recipient gets, whether the content changed since an
unfinished run, a check that every message renders, and the messages rendered for SMTP.

The audience was resolved before the writer lock was taken; `plan` asks the ledger
again, under the lock, so that a person recorded meanwhile is never sent twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from proaktive.audience.model import Recipient
from proaktive.campaign.model import Campaign
from proaktive.delivery.run import Outgoing
from proaktive.ledger import ContentHash, Ledger, next_round, pseudonym
from proaktive.messages.message import MessageBuilder, message_id

if TYPE_CHECKING:
    from proaktive.messages.parallel import ParallelRenderer

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


def check_messages(
    campaign: Campaign,
    planned: Sequence[Planned],
    *,
    as_of: dt.date,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> None:
    """`TemplateError` when any planned person's data breaks the template.

    Run before the first message is sent, so that a template that breaks on one
    person stops the send before anyone has the campaign, never halfway through it;
    the messages themselves are rendered while the send goes on (`RenderedMessages`).
    """
    builder = MessageBuilder.for_campaign(campaign, as_of=as_of, now=now)
    whole: set[str] = set()  # languages of which one whole message was made
    for number, item in enumerate(planned, start=1):
        builder.check(item.recipient)
        # The rest of a message (Markdown, the layout, the encoding) takes any text: one
        # whole message per language shows that the layout itself renders.
        language = builder.language_for(item.recipient.spraak)[0]
        if language not in whole:
            builder.build(item.recipient, item.person).as_bytes()
            whole.add(language)
        if progress is not None and (number % 1000 == 0 or number == len(planned)):
            progress(number)


class RenderedMessages:
    """The planned messages, rendered in order as they are read (by worker processes on
    every core when there are many, which begin when this is made): a send begins with
    the first message while the rest are made. Read once; `close` stops the rendering
    when the reader stops early.
    """

    def __init__(
        self, campaign: Campaign, planned: Sequence[Planned], *, as_of: dt.date, now: dt.datetime
    ) -> None:
        self.campaign = campaign
        self.planned = planned
        self.as_of = as_of
        self.now = now
        self._parallel: ParallelRenderer | None = None
        if len(planned) >= PARALLEL_FROM:
            from proaktive.messages.parallel import ParallelRenderer

            items = ((p.recipient, p.person, p.round) for p in planned)
            self._parallel = ParallelRenderer(campaign, items, as_of=as_of, now=now)

    def __len__(self) -> int:
        return len(self.planned)

    def __iter__(self) -> Iterator[Outgoing]:
        campaign = self.campaign
        for item, data in zip(self.planned, self._rendered(), strict=True):
            yield Outgoing(
                person=item.person,
                round=item.round,
                address=item.recipient.epostadresse,
                message_id=message_id(campaign, item.round, item.person),
                data=data,
            )

    def close(self) -> None:
        if self._parallel is not None:
            self._parallel.close()

    def __enter__(self) -> RenderedMessages:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _rendered(self) -> Iterator[bytes]:
        if self._parallel is not None:
            return iter(self._parallel)
        return self._in_this_process()

    def _in_this_process(self) -> Iterator[bytes]:
        builders: dict[int, MessageBuilder] = {}
        for item in self.planned:
            if item.round not in builders:
                builders[item.round] = MessageBuilder.for_campaign(
                    self.campaign, as_of=self.as_of, now=self.now, round_=item.round
                )
            yield builders[item.round].build(item.recipient, item.person).as_bytes()

"""`send --to ADDRESS`: the campaign in each of its languages, for a colleague's inbox.

Rendered for the synthetic person `validate` uses, never for a citizen: a real
person's data never goes to an address that is not theirs. The subject says it is
a test, and each message has a Message-ID of its own that no real send can have.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from proaktive.campaign.model import Campaign
from proaktive.messages.message import Message, MessageBuilder
from proaktive.messages.validation import synthetic_recipient

TEST_MARK = "[TEST] "


def sample_messages(
    campaign: Campaign, address: str, *, as_of: dt.date, now: dt.datetime
) -> list[Message]:
    """One test message to `address` for each template language of the campaign."""
    builder = MessageBuilder.for_campaign(campaign, as_of=as_of, now=now)
    messages = []
    for language in builder.languages:
        person = dataclasses.replace(
            synthetic_recipient(campaign, as_of, language), epostadresse=address
        )
        message = builder.build(person, f"test-{language}-{secrets.token_hex(8)}")
        subject = TEST_MARK + message.subject
        headers = tuple(
            (name, subject if name == "Subject" else value) for name, value in message.headers
        )
        messages.append(dataclasses.replace(message, subject=subject, headers=headers))
    return messages

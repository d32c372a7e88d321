"""What the ledger records: immutable values, read back from its rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

State = Literal["attempting", "sent", "failed", "deferred", "unknown"]
STATES: tuple[State, ...] = ("attempting", "sent", "failed", "deferred", "unknown")
# What a message handed to SMTP ends as; `attempting` is only ever a row's first word.
FINAL_STATES: tuple[State, ...] = ("sent", "failed", "deferred", "unknown")
# The rows a rerun does not send to (funnel rule 10): all but `deferred`, which is retried.
BLOCKING_STATES: tuple[State, ...] = ("sent", "failed", "attempting", "unknown")

RunStatus = Literal["running", "finished", "interrupted", "died"]


@dataclass(frozen=True)
class LedgerEntry:
    """One message: a campaign, a person (by pseudonym) and a round."""

    campaign_id: str
    person: str  # HMAC-SHA256 of the personidentifikator, hex; never the identifier
    round: int
    state: State
    attempts: int
    smtp_reply: str | None  # the server's last reply, code and text
    message_id: str | None
    run_id: int | None  # the run that wrote the row last
    first_attempt_at: dt.datetime  # when the round began: `repeat_after_days` counts from here
    updated_at: dt.datetime
    sent_at: dt.datetime | None  # the 250 reply: the frequency cap counts from here


@dataclass(frozen=True)
class Run:
    """One `send` of a campaign, and how its messages ended."""

    id: int
    campaign_id: str
    content_hash: str
    as_of: dt.date
    operator: str  # the login name that ran it
    started_at: dt.datetime
    ended_at: dt.datetime | None
    status: RunStatus
    recipients: int  # the audience's recipients when the run began
    counts: dict[State, int]  # rows this run wrote last, by final state; set when it ends


@dataclass(frozen=True)
class Approval:
    """A person's decision that this content may go out."""

    campaign_id: str
    content_hash: str
    files: dict[str, str]  # each file's own hash, so that a refusal can name what changed
    approved_by: str  # `--by`, else the login name
    login: str  # the login name that recorded it (four-eyes compares this)
    approved_at: dt.datetime
    note: str | None
    recipients: int  # the recipient count the approver saw


@dataclass(frozen=True)
class CampaignStatus:
    """What the ledger holds about one campaign id."""

    campaign_id: str
    approvals: tuple[Approval, ...]  # oldest first
    runs: tuple[Run, ...]  # oldest first
    messages: dict[State, int]  # rows per state, every state present

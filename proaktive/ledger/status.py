"""What `ledger status` shows: per campaign id, its approvals, runs and messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from proaktive.errors import LedgerError
from proaktive.ledger.model import STATES, CampaignStatus
from proaktive.ledger.store import read_ledger


@dataclass(frozen=True)
class LedgerStatus:
    path: Path
    exists: bool  # False: no ledger file yet, so nothing has been sent
    campaigns: tuple[CampaignStatus, ...]  # sorted by campaign id
    # A ledger in use whose key is missing or unusable: better found now than by the
    # next campaign command.
    key_problem: LedgerError | None = None


def ledger_status(path: Path, campaign_id: str | None = None) -> LedgerStatus:
    """Every campaign the ledger knows, or only `campaign_id` (shown even when it knows
    nothing of it). Reads the ledger; creates nothing."""
    ledger = read_ledger(path)
    if ledger is None:
        empty = (
            CampaignStatus(campaign_id, (), (), dict.fromkeys(STATES, 0)) if campaign_id else None
        )
        return LedgerStatus(path, False, (empty,) if empty else ())
    with ledger:
        key_problem = None
        if ledger.holds_messages():
            try:
                ledger.key()
            except LedgerError as problem:
                key_problem = problem
        ids = (campaign_id,) if campaign_id else ledger.campaign_ids()
        campaigns = tuple(
            CampaignStatus(
                campaign_id=known,
                approvals=ledger.approvals(known),
                runs=ledger.runs(known),
                messages=ledger.message_counts(known),
            )
            for known in ids
        )
    return LedgerStatus(path, True, campaigns, key_problem)

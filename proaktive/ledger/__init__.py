"""The send ledger (SQLite): read by the audience (already sent, frequency cap),
written by delivery. It knows people by pseudonym only."""

from proaktive.ledger.content import ContentHash, content_hash
from proaktive.ledger.keys import key_path, pseudonym
from proaktive.ledger.lock import WriterLock, lock_path, writer_lock
from proaktive.ledger.model import (
    BLOCKING_STATES,
    FINAL_STATES,
    STATES,
    Approval,
    CampaignStatus,
    LedgerEntry,
    Run,
    State,
)
from proaktive.ledger.rounds import next_round, window_start
from proaktive.ledger.status import LedgerStatus, ledger_status
from proaktive.ledger.store import Ledger, login_name, open_ledger, read_ledger

__all__ = [
    "BLOCKING_STATES",
    "FINAL_STATES",
    "STATES",
    "Approval",
    "CampaignStatus",
    "ContentHash",
    "Ledger",
    "LedgerEntry",
    "LedgerStatus",
    "Run",
    "State",
    "WriterLock",
    "content_hash",
    "key_path",
    "ledger_status",
    "lock_path",
    "login_name",
    "next_round",
    "open_ledger",
    "pseudonym",
    "read_ledger",
    "window_start",
    "writer_lock",
]
